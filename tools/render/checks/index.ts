import { checkAddresses } from "./addresses";
import { checkAgentSinks } from "./agentSinks";
import { checkDisruption } from "./disruption";
import { checkDurableState } from "./durableState";
import { checkFootprint } from "./footprint";
import { checkImages } from "./images";
import { checkKubeSchema } from "./kubeSchema";
import { checkNetworkPolicy } from "./networkPolicy";
import { checkObjectStorage } from "./objectStorage";
import { checkPlaintext } from "./plaintext";
import { checkPodSecurity } from "./podSecurity";
import { checkReferences } from "./references";
import { checkRendered } from "./rendered";
import { checkSingletons } from "./singletons";
import { Check } from "./types";
import { checkValues } from "./values";

export * from "./types";
export {
    checkAddresses,
    checkAgentSinks,
    checkDisruption,
    checkDurableState,
    checkFootprint,
    checkImages,
    checkKubeSchema,
    checkNetworkPolicy,
    checkObjectStorage,
    checkPlaintext,
    checkPodSecurity,
    checkReferences,
    checkRendered,
    checkSingletons,
    checkValues,
};

/** Every check, in report order. */
export const allChecks: readonly Check[] = [
    checkRendered,
    checkKubeSchema,
    checkAddresses,
    checkReferences,
    checkValues,
    checkObjectStorage,
    checkAgentSinks,
    checkSingletons,
    checkDurableState,
    checkDisruption,
    checkPodSecurity,
    checkNetworkPolicy,
    checkFootprint,
    checkImages,
    checkPlaintext,
];
