/**
 * A kubelet-less Kubernetes cluster from real binaries: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, and kwok playing the nodes (pods are scheduled, become Ready, Job pods complete).
 * Meant to run inside a network namespace of our own with only loopback up (scripts/e2e.sh makes it),
 * so the API server's dials of Service IPs (webhooks) and anything aimed at a fake pod IP fail at once
 * instead of leaving the machine.
 *
 * What a real cluster does and this one cannot: no container runs, so operators do not reconcile, no
 * admission webhook has a pod behind it, and nothing listens on a pod or Service address. Volumes are
 * bound by `provisionClaims` (a PersistentVolume per claim), not by a storage driver.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { stringify } from "yaml";

const execFileAsync = promisify(execFile);

/** Where the built binaries are (toolchain/build.sh) and where the cluster keeps its files. */
export interface ClusterOptions {
    readonly binDir: string;
    readonly workDir: string;
    /** Fake nodes to register: one per entry, with its zone label when given. */
    readonly nodes: readonly FakeNode[];
    /** The StorageClass every claim without a class gets (the cluster's default). */
    readonly storageClass: string;
    /** kwok's stage definitions (node initialise, heartbeat, pod ready, complete, delete). */
    readonly kwokStages: string;
}

export interface FakeNode {
    readonly name: string;
    readonly zone?: string;
}

/** A running cluster: its kubeconfig, a kubectl bound to it, and a way to stop it. */
export interface Cluster {
    readonly kubeconfig: string;
    readonly version: string;
    kubectl(args: readonly string[], input?: string): Promise<string>;
    stop(): Promise<void>;
}

const apiServerPort = 6443;
const etcdClientPort = 2379;
const serviceCidr = "10.96.0.0/16";
const podCidr = "10.244.0.0/16";

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
    await execFileAsync("openssl", [...args], { cwd });
}

/** A CA, the API server's serving certificate, an admin client certificate and the service-account key. */
async function writePki(dir: string): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    const days = "3";
    await openssl(dir, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", days, "-subj", "/CN=lgtm-e2e-ca"]);
    const sign = async (name: string, subject: string, extensions: string) => {
        fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
        await openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject]);
        await openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", days, "-extfile", `${name}.ext`]);
    };
    await sign(
        "apiserver",
        "/CN=kube-apiserver",
        "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n",
    );
    await sign("admin", "/O=system:masters/CN=lgtm-e2e-admin", "extendedKeyUsage=clientAuth\n");
    await openssl(dir, ["genrsa", "-out", "sa.key", "2048"]);
    await openssl(dir, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
}

function writeKubeconfig(file: string, pki: string): void {
    const read = (name: string) => fs.readFileSync(path.join(pki, name)).toString("base64");
    const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "lgtm-e2e", cluster: { server: `https://127.0.0.1:${apiServerPort}`, "certificate-authority-data": read("ca.crt") } }],
        users: [{ name: "admin", user: { "client-certificate-data": read("admin.crt"), "client-key-data": read("admin.key") } }],
        contexts: [{ name: "lgtm-e2e", context: { cluster: "lgtm-e2e", user: "admin" } }],
        "current-context": "lgtm-e2e",
    };
    fs.writeFileSync(file, stringify(kubeconfig), { mode: 0o600 });
}

/**
 * Starts `binary` with its output in `<logs>/<name>.log`; a process that exits while the cluster is
 * not stopping is reported with its log's tail.
 */
function daemon(name: string, binary: string, args: readonly string[], logs: string, stopping: () => boolean): ChildProcess {
    const log = fs.openSync(path.join(logs, `${name}.log`), "a");
    const child = spawn(binary, [...args], { stdio: ["ignore", log, log] });
    child.on("exit", (code, signal) => {
        if (!stopping()) {
            const tail = fs
                .readFileSync(path.join(logs, `${name}.log`), "utf8")
                .split("\n")
                .slice(-15)
                .join("\n");
            process.stderr.write(`cluster: ${name} exited (${code ?? signal}); last lines of its log:\n${tail}\n`);
        }
    });
    return child;
}

async function waitFor(what: string, seconds: number, probe: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        if (await probe().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`cluster: ${what} not ready after ${seconds} s`);
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

function nodeManifest(node: FakeNode): Record<string, unknown> {
    const allocatable = { cpu: "32", memory: "256Gi", pods: "110", "ephemeral-storage": "1Ti" };
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: node.name,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "kwok",
                ...(node.zone ? { "topology.kubernetes.io/zone": node.zone } : {}),
            },
        },
        status: { allocatable, capacity: allocatable },
    };
}

/** Brings the control plane and kwok up, registers the nodes and a default StorageClass. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
    const { binDir, workDir } = options;
    const pki = path.join(workDir, "pki");
    const logs = path.join(workDir, "logs");
    fs.mkdirSync(logs, { recursive: true });
    await writePki(pki);
    const kubeconfig = path.join(workDir, "kubeconfig");
    writeKubeconfig(kubeconfig, pki);
    const bin = (name: string) => path.join(binDir, name);
    const file = (name: string) => path.join(pki, name);
    const children: ChildProcess[] = [];
    let stopping = false;
    const isStopping = () => stopping;

    children.push(
        daemon(
            "etcd",
            bin("etcd"),
            [
                "--name=e2e",
                `--data-dir=${path.join(workDir, "etcd")}`,
                `--listen-client-urls=http://127.0.0.1:${etcdClientPort}`,
                `--advertise-client-urls=http://127.0.0.1:${etcdClientPort}`,
                "--listen-peer-urls=http://127.0.0.1:2380",
                "--initial-advertise-peer-urls=http://127.0.0.1:2380",
                "--initial-cluster=e2e=http://127.0.0.1:2380",
                // A throwaway cluster: fsync buys nothing and costs seconds per Helm release.
                "--unsafe-no-fsync",
                "--quota-backend-bytes=4294967296",
                "--log-level=warn",
            ],
            logs,
            isStopping,
        ),
    );
    children.push(
        daemon(
            "kube-apiserver",
            bin("kube-apiserver"),
            [
                `--etcd-servers=http://127.0.0.1:${etcdClientPort}`,
                "--bind-address=127.0.0.1",
                // Loopback is the only address here; the `kubernetes` Endpoints reject it, so nobody reconciles them.
                "--advertise-address=127.0.0.1",
                "--endpoint-reconciler-type=none",
                `--secure-port=${apiServerPort}`,
                `--tls-cert-file=${file("apiserver.crt")}`,
                `--tls-private-key-file=${file("apiserver.key")}`,
                `--client-ca-file=${file("ca.crt")}`,
                `--service-account-key-file=${file("sa.pub")}`,
                `--service-account-signing-key-file=${file("sa.key")}`,
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                `--service-cluster-ip-range=${serviceCidr}`,
                "--authorization-mode=Node,RBAC",
                "--allow-privileged=true",
            ],
            logs,
            isStopping,
        ),
    );
    const kubectl = async (args: readonly string[], input?: string): Promise<string> => {
        const child = execFileAsync(bin("kubectl"), ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 256 * 1024 * 1024 });
        if (input !== undefined) {
            child.child.stdin?.end(input);
        }
        return (await child).stdout;
    };
    await waitFor("kube-apiserver", 90, async () => (await kubectl(["get", "--raw", "/readyz"])).trim() === "ok");

    children.push(
        daemon(
            "kube-controller-manager",
            bin("kube-controller-manager"),
            [
                `--kubeconfig=${kubeconfig}`,
                `--authentication-kubeconfig=${kubeconfig}`,
                `--authorization-kubeconfig=${kubeconfig}`,
                "--bind-address=127.0.0.1",
                "--leader-elect=false",
                `--service-account-private-key-file=${file("sa.key")}`,
                `--root-ca-file=${file("ca.crt")}`,
                `--cluster-signing-cert-file=${file("ca.crt")}`,
                `--cluster-signing-key-file=${file("ca.key")}`,
                "--use-service-account-credentials=true",
                `--service-cluster-ip-range=${serviceCidr}`,
            ],
            logs,
            isStopping,
        ),
    );
    children.push(
        daemon(
            "kube-scheduler",
            bin("kube-scheduler"),
            [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, "--bind-address=127.0.0.1", "--leader-elect=false"],
            logs,
            isStopping,
        ),
    );
    // kwok defaults its options only when it finds no configuration; with ours (the stages) it
    // takes them as given, so state the defaults it needs, node leases among them: without leases
    // the node lifecycle controller marks the nodes NotReady, and their pods with them.
    const kwokConfig = path.join(workDir, "kwok.yaml");
    const kwokOptions = {
        nodeLeaseDurationSeconds: 40,
        nodeLeaseParallelism: 4,
        podPlayStageParallelism: 4,
        nodePlayStageParallelism: 4,
        podsOnNodeSyncParallelism: 1,
        enablePodsOnNodeSyncListPager: true,
        nodeStatusUpdateFrequencyMilliseconds: 10000,
        heartbeatFactor: 5,
    };
    fs.writeFileSync(kwokConfig, stringify({ apiVersion: "config.kwok.x-k8s.io/v1alpha1", kind: "KwokConfiguration", options: kwokOptions }));
    children.push(
        daemon(
            "kwok",
            bin("kwok"),
            [
                `--kubeconfig=${kubeconfig}`,
                `--config=${kwokConfig}`,
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                `--config=${options.kwokStages}`,
                `--cidr=${podCidr}`,
                "--node-ip=10.255.0.1",
                "--node-port=10247",
                "--server-address=127.0.0.1:10247",
            ],
            logs,
            isStopping,
        ),
    );

    await kubectl(["apply", "-f", "-"], options.nodes.map((node) => stringify(nodeManifest(node))).join("---\n"));
    await kubectl(
        ["apply", "-f", "-"],
        stringify({
            apiVersion: "storage.k8s.io/v1",
            kind: "StorageClass",
            metadata: { name: options.storageClass, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: claimProvisioner,
            reclaimPolicy: "Delete",
            volumeBindingMode: "Immediate",
        }),
    );
    await waitFor("nodes Ready", 60, async () => {
        const nodes = JSON.parse(await kubectl(["get", "nodes", "-o", "json"])) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
        return nodes.items.length === options.nodes.length && nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    });
    await waitFor("the default ServiceAccount", 60, async () => (await kubectl(["get", "serviceaccount", "default", "-n", "default", "-o", "name"])).trim() !== "");
    const version = JSON.parse(await kubectl(["version", "-o", "json"])) as { serverVersion: { gitVersion: string } };

    return {
        kubeconfig,
        version: version.serverVersion.gitVersion,
        kubectl,
        async stop() {
            stopping = true;
            for (const child of children.reverse()) {
                child.kill("SIGTERM");
                await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
            }
        },
    };
}

/** The provisioner name of the e2e StorageClass; `provisionClaims` serves it. */
export const claimProvisioner = "e2e.lgtm.local/pre-bound";

interface Claim {
    metadata: { name: string; namespace: string; uid: string };
    spec: { accessModes?: string[]; resources?: { requests?: { storage?: string } }; storageClassName?: string; volumeName?: string };
    status?: { phase?: string };
}

/**
 * Binds every pending claim: a PersistentVolume pre-bound to it (claimRef), which the controller
 * manager's volume binder then completes, as a CSI provisioner would. Released volumes are deleted.
 * Returns a function that stops the loop.
 */
export function provisionClaims(cluster: Cluster, volumesDir: string): () => Promise<void> {
    let running = true;
    const loop = (async () => {
        while (running) {
            try {
                const claims = JSON.parse(await cluster.kubectl(["get", "pvc", "-A", "-o", "json"])) as { items: Claim[] };
                const pending = claims.items.filter((claim) => !claim.spec.volumeName && claim.status?.phase === "Pending");
                if (pending.length > 0) {
                    const volumes = pending.map((claim) => stringify(claimVolume(claim, volumesDir)));
                    await cluster.kubectl(["apply", "-f", "-"], volumes.join("---\n"));
                }
                const volumes = JSON.parse(await cluster.kubectl(["get", "pv", "-o", "json"])) as {
                    items: { metadata: { name: string }; spec: { storageClassName?: string }; status?: { phase?: string } }[];
                };
                const released = volumes.items.filter((pv) => pv.status?.phase === "Released" || pv.status?.phase === "Failed").map((pv) => pv.metadata.name);
                if (released.length > 0) await cluster.kubectl(["delete", "pv", "--wait=false", ...released]);
            } catch {
                // The API server may be restarting or the cluster stopping; the next round retries.
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    })();
    return async () => {
        running = false;
        await loop;
    };
}

function claimVolume(claim: Claim, volumesDir: string): Record<string, unknown> {
    const { name, namespace, uid } = claim.metadata;
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `pv-${uid}`, annotations: { "pv.kubernetes.io/provisioned-by": claimProvisioner } },
        spec: {
            capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
            accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
            storageClassName: claim.spec.storageClassName ?? "",
            persistentVolumeReclaimPolicy: "Retain",
            hostPath: { path: path.join(volumesDir, namespace, name) },
            claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name, uid },
        },
    };
}
