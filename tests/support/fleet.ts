import type { EdgeAccess } from "../../components/fleetAccess";
import { memberEndpoints } from "../../components/fleetIngest";

/** A server member as the central stack's `fleet` output carries it: the gateway's endpoints (memberEndpoints), its name as login. */
export const exampleServerMember: EdgeAccess = {
    name: "web-eu",
    kind: "server",
    username: "web-eu",
    password: "s3cret-Pass",
    ...memberEndpoints({ host: "ingest.example.com", tls: { existingSecret: "ingest-tls" } }),
};
