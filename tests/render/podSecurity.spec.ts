import { strict as assert } from "assert";
import { checkPodSecurity } from "../../tools/render/checks/podSecurity";
import { K8sObject } from "../../tools/render/types";
import { checkInput, container, messages, operatorResource, release, stackModel, workload } from "./fixtures";

const restrictedPod = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } };
const restrictedContainer = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };

function namespace(name: string, level?: string): K8sObject {
    return { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(level ? { labels: { "pod-security.kubernetes.io/enforce": level } } : {}) } };
}

/** A restricted-conformant Deployment, with `change` applied to its pod spec. */
function app(change: (pod: Record<string, any>) => void = () => undefined): K8sObject {
    const pod: Record<string, any> = {
        securityContext: { ...restrictedPod },
        initContainers: [container("init", { securityContext: { ...restrictedContainer } })],
        containers: [container("app", { securityContext: { ...restrictedContainer }, ports: [{ containerPort: 8080 }] })],
        volumes: [
            { name: "config", configMap: { name: "app" } },
            { name: "data", persistentVolumeClaim: { claimName: "data" } },
        ],
    };
    change(pod);
    return workload("Deployment", "app", pod);
}

/** The node agent: hostPath and host network, in its own namespace. */
const agent = workload("DaemonSet", "alloy", { hostNetwork: true, containers: [container("alloy")], volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] }, { namespace: "agents" });

const namespaces = { metrics: "monitoring", logs: "monitoring", agents: "agents" };

function verify(objects: K8sObject[], opts: { profile?: string; namespaceObjects?: K8sObject[]; namespaces?: Record<string, string> } = {}) {
    const model = stackModel({
        profile: opts.profile ?? "prod",
        releases: [release("app")],
        namespaces: opts.namespaces ?? namespaces,
        objects: opts.namespaceObjects ?? [namespace("monitoring", "restricted"), namespace("agents", "privileged")],
    });
    return checkPodSecurity(checkInput(model, [{ release: release("app"), objects: [...objects, agent] }]));
}

const violation = (detail: string) => `release app: Deployment monitoring/app: violates Pod Security "restricted": ${detail}`;

describe("render check: podSecurity", () => {
    it("passes restricted pods in a restricted namespace, leaving the agents namespace alone", () => {
        const result = verify([app()]);
        assert.deepEqual(messages(result), []);
        assert.equal(result.summary, '1 of 1 pod template(s) in 1 platform namespace(s) pass Pod Security "restricted"; agents namespace "agents" exempt');
    });

    it("fails on a container that may escalate privileges or keeps capabilities", () => {
        const errors = messages(
            verify([
                app((pod) => {
                    delete pod.containers[0].securityContext.allowPrivilegeEscalation;
                    pod.containers[0].securityContext.capabilities = { drop: ["NET_RAW"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] };
                }),
            ]),
        );
        assert.deepEqual(errors, [
            violation(
                'container "app" securityContext.allowPrivilegeEscalation is not false; container "app" securityContext.capabilities.drop does not include ALL; container "app" securityContext.capabilities.add: SYS_ADMIN (only NET_BIND_SERVICE is allowed)',
            ),
        ]);
    });

    it("checks init containers too: root user, privileged", () => {
        const errors = messages(verify([app((pod) => Object.assign(pod.initContainers[0].securityContext, { runAsUser: 0, privileged: true }))]));
        assert.deepEqual(errors, [violation('initContainer "init" securityContext.privileged: true; initContainer "init" securityContext.runAsUser: 0')]);
    });

    it("accepts runAsNonRoot and seccomp on every container instead of the pod, and fails when one lacks them", () => {
        const perContainer = (pod: Record<string, any>) => {
            pod.securityContext = {};
            for (const c of [...pod.initContainers, ...pod.containers]) Object.assign(c.securityContext, { runAsNonRoot: true, seccompProfile: { type: "Localhost", localhostProfile: "p.json" } });
        };
        assert.deepEqual(messages(verify([app(perContainer)])), []);
        const errors = messages(
            verify([
                app((pod) => {
                    perContainer(pod);
                    delete pod.initContainers[0].securityContext.runAsNonRoot;
                    pod.containers[0].securityContext.seccompProfile = { type: "Unconfined" };
                }),
            ]),
        );
        assert.deepEqual(errors, [violation('initContainer "init" runAsNonRoot is not true (set it on the pod or the container); container "app" securityContext.seccompProfile.type: Unconfined')]);
    });

    it("fails on host namespaces, host ports, hostPath and other volume types", () => {
        const errors = messages(
            verify([
                app((pod) => {
                    pod.hostNetwork = true;
                    pod.hostPID = true;
                    pod.containers[0].ports = [{ containerPort: 9100, hostPort: 9100 }];
                    pod.volumes.push({ name: "proc", hostPath: { path: "/proc" } }, { name: "nfs", nfs: { server: "x", path: "/" } });
                }),
            ]),
        );
        assert.deepEqual(errors, [
            violation(
                'hostNetwork: true; hostPID: true; volume "proc" is of type hostPath (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); volume "nfs" is of type nfs (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); container "app" hostPort 9100',
            ),
        ]);
    });

    it("fails on unsafe sysctls, SELinux users and AppArmor set to unconfined", () => {
        const errors = messages(
            verify([
                app((pod) => {
                    pod.securityContext.sysctls = [{ name: "net.core.somaxconn", value: "1024" }];
                    pod.containers[0].securityContext.seLinuxOptions = { user: "system_u" };
                    pod.containers[0].securityContext.appArmorProfile = { type: "Unconfined" };
                }),
            ]),
        );
        assert.deepEqual(errors, [
            violation('securityContext.sysctls: net.core.somaxconn is not a safe sysctl; container "app" securityContext.seLinuxOptions.user is set; container "app" securityContext.appArmorProfile.type: Unconfined'),
        ]);
    });

    it("checks Helm hooks and Jobs like any pod", () => {
        const hook = workload("Job", "make-bucket", { containers: [container("mc")] });
        hook.metadata.annotations = { "helm.sh/hook": "post-install" };
        const [error] = messages(verify([app(), hook]));
        assert.match(error, /^release app: Job monitoring\/make-bucket: violates Pod Security "restricted": container "mc" securityContext\.allowPrivilegeEscalation is not false/);
    });

    it("requires every platform namespace to enforce restricted, and to be created by the program", () => {
        assert.deepEqual(messages(verify([app()], { namespaceObjects: [namespace("monitoring", "baseline")] })), ['Namespace monitoring: label pod-security.kubernetes.io/enforce is "baseline", expected "restricted"']);
        assert.deepEqual(messages(verify([app()], { namespaceObjects: [namespace("monitoring"), namespace("object-storage", "restricted")] })), [
            'Namespace monitoring: label pod-security.kubernetes.io/enforce is missing, expected "restricted"',
        ]);
        assert.deepEqual(messages(verify([app()], { namespaceObjects: [] })), [
            'namespace "monitoring" runs platform pods but the program creates no Namespace for it, so nothing enforces Pod Security "restricted" there',
        ]);
    });

    it("fails when the agents share a namespace with the platform", () => {
        const errors = messages(verify([app()], { namespaces: { metrics: "monitoring", logs: "monitoring", agents: "monitoring" } }));
        assert.equal(
            errors[0],
            'namespaces.agents is "monitoring", shared with metrics, logs: Pod Security is enforced per namespace, and the node agents (hostPath, hostNetwork) cannot run "restricted", so they need a namespace of their own',
        );
    });

    it("checks operator resources from their spec: pod context, and containers added or patched", () => {
        const prometheus = operatorResource("Prometheus", "kps-prometheus", { securityContext: { ...restrictedPod }, thanos: {} });
        assert.deepEqual(messages(verify([prometheus])), []);
        delete (prometheus.spec as any).securityContext.runAsNonRoot;
        (prometheus.spec as any).containers = [
            { name: "thanos-sidecar", securityContext: { allowPrivilegeEscalation: true } },
            { name: "proxy", image: "proxy" },
        ];
        assert.deepEqual(messages(verify([prometheus])), [
            'release app: Prometheus monitoring/kps-prometheus: violates Pod Security "restricted": ' +
                [
                    'container "prometheus" runAsNonRoot is not true (set it on the pod or the container)',
                    'container "config-reloader" runAsNonRoot is not true (set it on the pod or the container)',
                    'container "thanos-sidecar" securityContext.allowPrivilegeEscalation is not false',
                    'container "thanos-sidecar" runAsNonRoot is not true (set it on the pod or the container)',
                    'container "proxy" securityContext.allowPrivilegeEscalation is not false',
                    'container "proxy" securityContext.capabilities.drop does not include ALL',
                    'container "proxy" runAsNonRoot is not true (set it on the pod or the container)',
                    'initContainer "init-config-reloader" runAsNonRoot is not true (set it on the pod or the container)',
                ].join("; "),
        ]);
    });

    it("requires nothing in dev", () => {
        const result = verify([app((pod) => (pod.hostNetwork = true))], { profile: "dev" });
        assert.deepEqual(messages(result), []);
        assert.match(result.summary, /not required by the dev profile/);
    });
});
