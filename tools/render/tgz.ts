/** Reads the files of a gzipped tar (a packaged Helm chart) into memory, without unpacking to disk. */
import { gunzipSync } from "zlib";

function field(header: Buffer, offset: number, length: number): string {
    const raw = header.subarray(offset, offset + length);
    const end = raw.indexOf(0);
    return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

/** Path → content of every regular file. Handles ustar prefixes, GNU long names and PAX `path` records. */
export function readTgz(archive: Buffer): Map<string, Buffer> {
    const tar = gunzipSync(archive);
    const files = new Map<string, Buffer>();
    let offset = 0;
    let longName: string | undefined;
    while (offset + 512 <= tar.length) {
        const header = tar.subarray(offset, offset + 512);
        if (header.every((b) => b === 0)) break;
        const size = parseInt(field(header, 124, 12).trim() || "0", 8);
        const type = String.fromCharCode(header[156] || 48);
        const prefix = field(header, 345, 155);
        const body = tar.subarray(offset + 512, offset + 512 + size);
        let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
        longName = undefined;
        if (type === "L") {
            longName = body.toString("utf8").replace(/\0+$/, "");
        } else if (type === "x") {
            const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
            if (path) longName = path[1];
        } else if (type === "0" || type === "\0" || type === "7") {
            name = name.replace(/^\.\//, "");
            files.set(name, Buffer.from(body));
        }
        offset += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
}
