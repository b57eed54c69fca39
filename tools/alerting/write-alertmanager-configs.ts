/**
 * Writes the Alertmanager configurations the stack can generate, for `amtool` to check:
 *
 *   ts-node --swc tools/alerting/write-alertmanager-configs.ts <dir>
 *
 * One `<dir>/<variant>.yml` per variant (none, slack, webhook, both), built exactly as the stack
 * builds them, except that the Secret's mount folder is `<dir>/secrets` (holding placeholder
 * files) instead of the operator's `/etc/alertmanager/secrets`, so every `*_file` path exists.
 * Prints one line per variant: `<variant> <file> <receiver expected for every non-silenced alert>`.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { buildAlertmanagerConfig, defaultNotificationSecretName, notificationReceivers, notificationSecretKeys, NotificationChannels, nullReceiver, platformReceiver } from "../../components/alerting";

/** The channel combinations a stack can configure. */
export const variants: Readonly<Record<string, NotificationChannels>> = {
    none: { webhook: false },
    slack: { slackChannel: "#platform-alerts", webhook: false },
    webhook: { webhook: true },
    both: { slackChannel: "#platform-alerts", webhook: true },
};

/** Placeholder URL written to the Secret files (never into a configuration). */
export const placeholderUrl = "https://notifications.invalid/placeholder";

export function writeConfigs(dir: string): { variant: string; file: string; receiver: string }[] {
    const mountDir = path.join(dir, "secrets");
    const secretDir = path.join(mountDir, defaultNotificationSecretName);
    fs.mkdirSync(secretDir, { recursive: true });
    for (const key of Object.values(notificationSecretKeys)) fs.writeFileSync(path.join(secretDir, key), placeholderUrl);

    return Object.entries(variants).map(([variant, channels]) => {
        const receivers = notificationReceivers(defaultNotificationSecretName, channels, mountDir);
        const file = path.join(dir, `${variant}.yml`);
        fs.writeFileSync(file, stringify(buildAlertmanagerConfig(receivers)));
        const receiver = receivers.slack || receivers.webhook ? platformReceiver : nullReceiver;
        return { variant, file, receiver };
    });
}

if (require.main === module) {
    const dir = process.argv[2];
    if (!dir) {
        console.error("usage: write-alertmanager-configs.ts <output dir>");
        process.exit(2);
    }
    for (const { variant, file, receiver } of writeConfigs(path.resolve(dir))) console.log(`${variant} ${file} ${receiver}`);
}
