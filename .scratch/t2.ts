import Ajv from "ajv";
import { loadChartInfo } from "../tools/render/chartValues";
const info = loadChartInfo("/work/shared/charts/loki/18.11.0");
console.log(JSON.stringify(info.schema).length);
for (const opts of [{ allErrors: true }, { allErrors: false }, {allErrors: true, inlineRefs: false}]) {
  let t = Date.now();
  const ajv = new Ajv({ strict: false, validateSchema: false, validateFormats: false, logger: false, ...opts } as any);
  const v = ajv.compile(info.schema as any);
  console.log(opts, "compile", Date.now() - t); t = Date.now(); v(info.defaultValues); console.log("validate", Date.now() - t);
}
