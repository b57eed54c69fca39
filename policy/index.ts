import { PolicyPack } from "@pulumi/policy";
import { crossGuardPolicies } from "./crossguard";
import { releasePolicies } from "./policies";

// Run with `pulumi preview --policy-pack policy` (README "Policy as code").
new PolicyPack("lgtm-platform", { policies: crossGuardPolicies(releasePolicies) });
