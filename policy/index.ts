import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./crossguard";
import { releasePolicies } from "./policies";

// Run with `pulumi preview --policy-pack policy` (docs/policy.md).
new PolicyPack("lgtm-platform", { policies: crossGuardPolicies(releasePolicies) });
