import { checkAddresses } from "./addresses";
import { checkFootprint } from "./footprint";
import { checkObjectStorage } from "./objectStorage";
import { checkPlaintext } from "./plaintext";
import { checkReferences } from "./references";
import { checkRendered } from "./rendered";
import { Check } from "./types";
import { checkValues } from "./values";

export * from "./types";
export { checkAddresses, checkFootprint, checkObjectStorage, checkPlaintext, checkReferences, checkRendered, checkValues };

/** Every check, in report order. */
export const allChecks: readonly Check[] = [checkRendered, checkAddresses, checkReferences, checkValues, checkObjectStorage, checkFootprint, checkPlaintext];
