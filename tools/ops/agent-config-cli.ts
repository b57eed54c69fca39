import * as path from "path";
import { fleetMember } from "../../components/fleetAccess";
import { buildServerAgentConfig } from "../../components/serverAgent";
import { exitCodes, parseCommandLine, runCommand, UsageError } from "../cli";
import { CentralOutputs, centralOutputsCommand, configDestination, readCentralFleet, writePrivateFile } from "./agentConfig";

const usage = `usage: npm run agent-config -- <member> (--central-outputs FILE | --stack STACK) [--out FILE | --stdout]
  Prints the Grafana Alloy configuration (Alloy 1.18) for the servers of fleet member <member> of a
  central stack: the journal and /var/log/*.log to Loki, node metrics by remote write, OTLP from
  localhost to the central OTLP endpoint, all labelled cluster=<member>. Install it on each server
  as /etc/alloy/config.alloy (see docs/fleet.md).
  The configuration holds the member's password, in clear: it goes to stdout only when stdout is
  not a terminal (a pipe, a redirect) or with --stdout; --out writes FILE with mode 0600.
  --central-outputs FILE  the central stack's outputs, written by
                            ${centralOutputsCommand}
                          (all its outputs, or only the fleet output)
  --stack STACK           read them from the central stack instead (your backend, as npm run outputs)
  --out FILE              write the configuration to FILE (mode 0600), not to stdout
  --stdout                print it even when stdout is a terminal
  Exit: 0 written, 2 usage error, unknown member, or the outputs could not be read.`;

function parseCommand(argv: string[]) {
    const { values, positionals } = parseCommandLine(argv, { "central-outputs": { type: "string" }, stack: { type: "string" }, out: { type: "string" }, stdout: { type: "boolean" } }, usage);
    if (positionals.length !== 1) throw new UsageError(`${positionals.length ? `one fleet member, not ${positionals.join(" ")}` : "which fleet member?"}\n${usage}`);
    if ((values["central-outputs"] === undefined) === (values.stack === undefined)) throw new UsageError(`--central-outputs FILE or --stack STACK, one of them\n${usage}`);
    if (values.out !== undefined && values.stdout) throw new UsageError(`--out FILE or --stdout, not both\n${usage}`);
    const central: CentralOutputs = values.stack === undefined ? { file: values["central-outputs"]! } : { stack: values.stack };
    return { member: positionals[0], central, out: values.out, stdout: values.stdout };
}

function main(): number {
    const args = parseCommand(process.argv.slice(2));
    const destination = configDestination(args.member, args, process.stdout.isTTY === true);
    // Refused before the outputs are read: nothing secret is fetched only to be thrown away.
    if ("refused" in destination) throw new Error(destination.refused);

    const { fleet, source } = readCentralFleet(path.resolve(__dirname, "..", ".."), args.central);
    const config = buildServerAgentConfig(fleetMember(fleet, args.member, source));

    if ("file" in destination) {
        writePrivateFile(destination.file, config);
        console.error(`agent-config: wrote ${destination.file} (mode 0600): the Alloy configuration of fleet member ${args.member}, with its password`);
    } else {
        process.stdout.write(config);
    }
    return exitCodes.passed;
}

runCommand("agent-config", main);
