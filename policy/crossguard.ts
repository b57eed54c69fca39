/**
 * The pure policies of `policies.ts` as CrossGuard resource policies. The only module besides
 * index.ts that touches the policy SDK; the tests exercise it through a running pack
 * (tests/policy-pack.spec.ts), never by importing it.
 */
import { ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { ReleaseInputs, releaseType, toPlain } from "./inputs";
import { stackChartSource } from "./provenance";
import { ReleasePolicy } from "./policies";

// The stack config does not change while the pack runs: read it once.
const chartSource = stackChartSource();

function toCrossGuard(policy: ReleasePolicy): ResourceValidationPolicy {
    return {
        name: policy.name,
        description: policy.description,
        enforcementLevel: policy.enforcementLevel,
        validateResource: (args, reportViolation) => {
            if (args.type !== releaseType) {
                args.notApplicable(`applies to ${releaseType} only`);
                return;
            }
            // The SDK's props throw on reading a value unknown during preview, which would skip the
            // whole policy for the release; copying them first marks just those values unknown.
            const release = toPlain(args.props, (error) => error instanceof UnknownValueError) as ReleaseInputs;
            for (const message of policy.check(release, { chartSource })) reportViolation(message);
        },
    };
}

export function crossGuardPolicies(policies: readonly ReleasePolicy[]): ResourceValidationPolicy[] {
    return policies.map(toCrossGuard);
}
