/** A small reader of Alloy syntax: enough to prove generated text is well formed, and to find values in it. */

type Token = { kind: "ident" | "string" | "number" | "punct" | "newline"; text: string; line: number };

/** Tokens of Alloy syntax; throws on an unterminated string or comment and on characters Alloy has no use for. */
function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let line = 1;
    let i = 0;
    while (i < text.length) {
        const ch = text[i];
        if (ch === "\n") {
            tokens.push({ kind: "newline", text: ch, line: line++ });
            i++;
        } else if (ch === " " || ch === "\t" || ch === "\r") {
            i++;
        } else if (text.startsWith("//", i)) {
            while (i < text.length && text[i] !== "\n") i++;
        } else if (text.startsWith("/*", i)) {
            const end = text.indexOf("*/", i + 2);
            if (end < 0) throw new Error(`line ${line}: unterminated comment`);
            line += text.slice(i, end).split("\n").length - 1;
            i = end + 2;
        } else if (ch === '"') {
            let j = i + 1;
            while (j < text.length && text[j] !== '"') {
                if (text[j] === "\n") throw new Error(`line ${line}: newline in string`);
                j += text[j] === "\\" ? 2 : 1;
            }
            if (j >= text.length) throw new Error(`line ${line}: unterminated string`);
            const literal = text.slice(i, j + 1);
            // Alloy's escapes are Go's; every one we emit is also a JSON escape, so JSON must read it.
            JSON.parse(literal);
            tokens.push({ kind: "string", text: literal, line });
            i = j + 1;
        } else if (/[A-Za-z_]/.test(ch)) {
            const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
            tokens.push({ kind: "ident", text: m[0], line });
            i += m[0].length;
        } else if (/[0-9]/.test(ch)) {
            const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
            tokens.push({ kind: "number", text: m[0], line });
            i += m[0].length;
        } else if ("{}[](),=.+".includes(ch)) {
            tokens.push({ kind: "punct", text: ch, line });
            i++;
        } else {
            throw new Error(`line ${line}: unexpected character ${JSON.stringify(ch)}`);
        }
    }
    return tokens;
}

export interface AlloyBlock {
    /** `loki.write`, `endpoint`, … */
    name: string;
    label?: string;
    attributes: Map<string, Token[]>;
    blocks: AlloyBlock[];
}

/** Blocks and attributes (attribute values kept as tokens); throws on anything out of place or unbalanced. */
export function parseAlloy(text: string): AlloyBlock {
    const tokens = tokenize(text);
    let pos = 0;
    const peek = () => tokens[pos];
    const fail = (what: string): never => {
        throw new Error(`line ${peek()?.line ?? "end"}: ${what}, got ${JSON.stringify(peek()?.text ?? "end of input")}`);
    };
    const skipNewlines = () => {
        while (peek()?.kind === "newline") pos++;
    };
    const expression = (): Token[] => {
        const out: Token[] = [];
        const open: string[] = [];
        const pairs: Record<string, string> = { "}": "{", "]": "[", ")": "(" };
        while (pos < tokens.length) {
            const t = peek();
            if (open.length === 0 && (t.kind === "newline" || t.text === "}")) break;
            if ("{[(".includes(t.text) && t.kind === "punct") open.push(t.text);
            if ("}])".includes(t.text) && t.kind === "punct" && open.pop() !== pairs[t.text]) fail("unbalanced bracket");
            out.push(t);
            pos++;
        }
        if (open.length > 0) fail(`unclosed ${open.join("")}`);
        if (out.length === 0) fail("expected a value");
        return out;
    };
    const body = (block: AlloyBlock, closing: boolean): AlloyBlock => {
        for (;;) {
            skipNewlines();
            const t = peek();
            if (!t) {
                if (closing) fail("expected }");
                return block;
            }
            if (t.text === "}" && t.kind === "punct") {
                if (!closing) fail("unexpected }");
                pos++;
                return block;
            }
            if (t.kind !== "ident") fail("expected an attribute or a block");
            const name = [t.text];
            pos++;
            if (peek()?.text === "=") {
                pos++;
                if (block.attributes.has(t.text)) fail(`attribute ${t.text} set twice`);
                block.attributes.set(t.text, expression());
                const after = peek();
                if (after && after.kind !== "newline" && after.text !== "}") fail("expected end of line");
                continue;
            }
            while (peek()?.text === ".") {
                pos++;
                if (peek()?.kind !== "ident") fail("expected a name after .");
                name.push(peek().text);
                pos++;
            }
            let label: string | undefined;
            if (peek()?.kind === "string") {
                label = JSON.parse(peek().text);
                pos++;
            }
            if (peek()?.text !== "{") fail(`expected { after block ${name.join(".")}`);
            pos++;
            block.blocks.push(body({ name: name.join("."), label, attributes: new Map(), blocks: [] }, true));
        }
    };
    return body({ name: "", attributes: new Map(), blocks: [] }, false);
}

export function walk(block: AlloyBlock, visit: (b: AlloyBlock) => void): void {
    visit(block);
    block.blocks.forEach((b) => walk(b, visit));
}

/** Dotted references (`loki.write.default.receiver`) in attribute values, function calls left out. */
export function references(block: AlloyBlock): string[] {
    const out: string[] = [];
    walk(block, (b) => {
        for (const tokens of b.attributes.values()) {
            for (let i = 0; i < tokens.length; i++) {
                if (tokens[i].kind !== "ident" || tokens[i - 1]?.text === ".") continue;
                const chain = [tokens[i].text];
                let j = i + 1;
                while (tokens[j]?.text === "." && tokens[j + 1]?.kind === "ident") {
                    chain.push(tokens[j + 1].text);
                    j += 2;
                }
                // Object keys (`cluster = …`) and literals are no references; calls (`sys.env(…)`) are functions.
                if (chain.length > 1 && tokens[j]?.text !== "(") out.push(chain.join("."));
            }
        }
    });
    return out;
}

/** String values of an attribute inside the first block that matches. */
export function stringsOf(root: AlloyBlock, blockPath: string[], attribute: string): string[] {
    let current: AlloyBlock[] = [root];
    for (const step of blockPath) {
        const [name, label] = step.split(":");
        current = current.flatMap((b) => b.blocks.filter((c) => c.name === name && (label === undefined || c.label === label)));
    }
    return current.flatMap((b) => (b.attributes.get(attribute) ?? []).filter((t) => t.kind === "string").map((t) => JSON.parse(t.text) as string));
}
