/**
 * Pod Security Standard "restricted" (prod): every namespace of the platform except the node
 * agents' one must enforce it, and every pod the platform runs there (init containers, Jobs and
 * Helm hooks included) must pass it, or the API server refuses the pod and the release hangs.
 * The rules are those of the Kubernetes Pod Security Standards, baseline plus restricted, as of
 * Kubernetes 1.30+. Pods of the Prometheus Operator's CRs are checked from the CR: its pod-level
 * fields, volumes and any containers it adds or patches; the containers the operator builds itself
 * (v0.93: prometheus, alertmanager, thanos-sidecar, config-reloader, init-config-reloader) drop
 * ALL capabilities and disallow privilege escalation.
 */
import { deepMerge } from "../../../stacks/config";
import { containersOf, operatorMainContainer, operatorPodKinds, Workload, workloadsOf } from "../objects";
import { isPlainObject } from "../paths";
import { K8sObject } from "../types";
import { CheckInput, CheckResult, FindingList } from "./types";

export const enforceLabel = "pod-security.kubernetes.io/enforce";

/** Volume types "restricted" allows. */
const allowedVolumeTypes = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);
/** Sysctls "baseline" allows (the safe set). */
const safeSysctls = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
const seLinuxTypes = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const confinedSeccomp = new Set(["RuntimeDefault", "Localhost"]);

type Obj = Record<string, any>;

interface ContainerView {
    name: string;
    field: string;
    securityContext: Obj;
    ports: Obj[];
}

function asObj(value: unknown): Obj {
    return isPlainObject(value) ? value : {};
}

/** The securityContext the Prometheus Operator v0.93 gives every container it builds. */
const operatorContainerContext: Obj = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };

function operatorBuiltContainers(object: K8sObject): { containers: string[]; initContainers: string[] } {
    const spec = asObj(object.spec);
    const containers = [operatorMainContainer[object.kind], "config-reloader"];
    if (object.kind === "Prometheus" && isPlainObject(spec.thanos)) containers.push("thanos-sidecar");
    return { containers, initContainers: ["init-config-reloader"] };
}

/** Containers of a workload as the API server will see them (operator CRs: built containers merged with `spec.containers` patches). */
function containerViews(workload: Workload): ContainerView[] {
    const view = (c: Obj, field: string): ContainerView => ({
        name: String(c.name),
        field,
        securityContext: asObj(c.securityContext),
        ports: Array.isArray(c.ports) ? c.ports.filter(isPlainObject) : [],
    });
    if (!operatorPodKinds.has(workload.object.kind)) return containersOf(workload.template.spec).map(({ container, field }) => view(container, field));
    const spec = asObj(workload.object.spec);
    const built = operatorBuiltContainers(workload.object);
    const out: ContainerView[] = [];
    for (const field of ["containers", "initContainers"] as const) {
        const patches = Array.isArray(spec[field]) ? spec[field].filter(isPlainObject) : [];
        for (const name of built[field]) {
            const patch = patches.find((p: Obj) => p.name === name) ?? {};
            out.push({ ...view(patch, field), name, securityContext: asObj(deepMerge(operatorContainerContext, asObj(patch.securityContext))) });
        }
        for (const patch of patches.filter((p: Obj) => !built[field].includes(String(p.name)))) out.push(view(patch, field));
    }
    return out;
}

/** Annotations of the pods (AppArmor profiles may still be set there): the template's, or the CR's `spec.podMetadata`. */
function podAnnotations(workload: Workload): Obj {
    const spec = asObj(workload.object.spec);
    if (operatorPodKinds.has(workload.object.kind)) return asObj(asObj(spec.podMetadata).annotations);
    if (workload.object.kind === "Pod") return asObj(workload.object.metadata.annotations);
    const template = workload.object.kind === "CronJob" ? asObj(asObj(asObj(spec.jobTemplate).spec).template) : asObj(spec.template);
    return asObj(asObj(template.metadata).annotations);
}

/** Violations of Pod Security "restricted" by one pod template; empty when it passes. */
export function restrictedViolations(workload: Workload): string[] {
    const pod = workload.template.spec;
    const podContext = asObj(pod.securityContext);
    const containers = containerViews(workload);
    const problems: string[] = [];
    const named = (c: ContainerView) => `${c.field === "containers" ? "container" : c.field.replace(/s$/, "")} "${c.name}"`;

    // baseline
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[field] === true) problems.push(`${field}: true`);
    if (asObj(podContext.windowsOptions).hostProcess === true) problems.push("securityContext.windowsOptions.hostProcess: true");
    for (const volume of Array.isArray(pod.volumes) ? pod.volumes.filter(isPlainObject) : []) {
        const type = Object.keys(volume).find((k) => k !== "name") ?? "unknown";
        if (!allowedVolumeTypes.has(type)) problems.push(`volume "${volume.name}" is of type ${type} (allowed: ${[...allowedVolumeTypes].join(", ")})`);
    }
    for (const sysctl of Array.isArray(podContext.sysctls) ? podContext.sysctls.filter(isPlainObject) : []) {
        if (!safeSysctls.has(String(sysctl.name))) problems.push(`securityContext.sysctls: ${sysctl.name} is not a safe sysctl`);
    }
    const checkSeLinux = (context: Obj, where: string) => {
        const options = asObj(context.seLinuxOptions);
        if (options.type !== undefined && !seLinuxTypes.has(String(options.type))) problems.push(`${where}securityContext.seLinuxOptions.type: ${options.type}`);
        for (const field of ["user", "role"]) if (options[field]) problems.push(`${where}securityContext.seLinuxOptions.${field} is set`);
    };
    const checkAppArmor = (context: Obj, where: string) => {
        const type = asObj(context.appArmorProfile).type;
        if (type !== undefined && !confinedSeccomp.has(String(type))) problems.push(`${where}securityContext.appArmorProfile.type: ${type}`);
    };
    checkSeLinux(podContext, "pod ");
    checkAppArmor(podContext, "pod ");
    for (const [key, value] of Object.entries(podAnnotations(workload))) {
        if (key.startsWith("container.apparmor.security.beta.kubernetes.io/") && value !== "runtime/default" && !String(value).startsWith("localhost/")) {
            problems.push(`annotation ${key}: ${value}`);
        }
    }

    // restricted, pod level: runAsNonRoot and seccomp may be set on the pod or on every container.
    const podNonRoot = podContext.runAsNonRoot === true;
    const podSeccomp = asObj(podContext.seccompProfile).type;
    if (podContext.runAsNonRoot === false) problems.push("pod securityContext.runAsNonRoot: false");
    if (podContext.runAsUser === 0) problems.push("pod securityContext.runAsUser: 0");
    if (podSeccomp !== undefined && !confinedSeccomp.has(String(podSeccomp))) problems.push(`pod securityContext.seccompProfile.type: ${podSeccomp}`);

    for (const c of containers) {
        const context = c.securityContext;
        const where = `${named(c)} `;
        if (context.privileged === true) problems.push(`${where}securityContext.privileged: true`);
        if (asObj(context.windowsOptions).hostProcess === true) problems.push(`${where}securityContext.windowsOptions.hostProcess: true`);
        if (context.procMount !== undefined && context.procMount !== "Default") problems.push(`${where}securityContext.procMount: ${context.procMount}`);
        checkSeLinux(context, where);
        checkAppArmor(context, where);
        for (const port of c.ports) if (port.hostPort !== undefined && port.hostPort !== 0) problems.push(`${where}hostPort ${port.hostPort}`);
        if (context.allowPrivilegeEscalation !== false) problems.push(`${where}securityContext.allowPrivilegeEscalation is not false`);
        const capabilities = asObj(context.capabilities);
        const drop = Array.isArray(capabilities.drop) ? capabilities.drop.map(String) : [];
        if (!drop.includes("ALL")) problems.push(`${where}securityContext.capabilities.drop does not include ALL`);
        const added = (Array.isArray(capabilities.add) ? capabilities.add.map(String) : []).filter((a) => a !== "NET_BIND_SERVICE");
        if (added.length) problems.push(`${where}securityContext.capabilities.add: ${added.join(", ")} (only NET_BIND_SERVICE is allowed)`);
        if (context.runAsNonRoot === false) problems.push(`${where}securityContext.runAsNonRoot: false`);
        else if (!podNonRoot && context.runAsNonRoot !== true) problems.push(`${where}runAsNonRoot is not true (set it on the pod or the container)`);
        if (context.runAsUser === 0) problems.push(`${where}securityContext.runAsUser: 0`);
        const seccomp = asObj(context.seccompProfile).type;
        if (seccomp !== undefined && !confinedSeccomp.has(String(seccomp))) problems.push(`${where}securityContext.seccompProfile.type: ${seccomp}`);
        else if (seccomp === undefined && podSeccomp === undefined) problems.push(`${where}seccompProfile is not RuntimeDefault or Localhost (set it on the pod or the container)`);
    }
    return problems;
}

export function checkPodSecurity(input: CheckInput): CheckResult {
    const findings = new FindingList("podSecurity");
    if (input.model.profile === "dev") return findings.result("not required by the dev profile (one namespace shared with the node agents)");
    const agents = input.model.namespaces.agents;
    if (agents) {
        const sharing = Object.entries(input.model.namespaces)
            .filter(([role, ns]) => role !== "agents" && ns === agents)
            .map(([role]) => role);
        if (sharing.length) {
            findings.error(
                `namespaces.agents is "${agents}", shared with ${sharing.join(", ")}: Pod Security is enforced per namespace, and the node agents (hostPath, hostNetwork) cannot run "restricted", so they need a namespace of their own`,
            );
        }
    }
    const workloads = workloadsOf(input.rendered).filter((w) => w.namespace !== agents);
    const namespaceObjects = new Map(input.model.objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o]));
    const platformNamespaces = new Set([...workloads.map((w) => w.namespace), ...[...namespaceObjects.keys()].filter((n) => n !== agents)]);
    for (const namespace of [...platformNamespaces].sort()) {
        const object = namespaceObjects.get(namespace);
        if (!object) {
            findings.error(`namespace "${namespace}" runs platform pods but the program creates no Namespace for it, so nothing enforces Pod Security "restricted" there`);
            continue;
        }
        const level = object.metadata.labels?.[enforceLabel];
        if (level !== "restricted") findings.error(`Namespace ${namespace}: label ${enforceLabel} is ${level === undefined ? "missing" : `"${level}"`}, expected "restricted"`);
    }
    let passing = 0;
    for (const workload of workloads) {
        const problems = restrictedViolations(workload);
        if (problems.length === 0) passing++;
        else findings.error(`${workload.name}: violates Pod Security "restricted": ${problems.join("; ")}`);
    }
    const exempt = agents ? `; agents namespace "${agents}" exempt` : "";
    return findings.result(`${passing} of ${workloads.length} pod template(s) in ${platformNamespaces.size} platform namespace(s) pass Pod Security "restricted"${exempt}`);
}
