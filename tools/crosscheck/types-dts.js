'use strict';
// Field lists of the TypeScript interfaces that @oasisprotocol/client and @oasisprotocol/client-rt
// publish in their .d.ts files (interfaces have no runtime form, so the declaration text is read).
// Only the top level of each interface is returned: lines indented by exactly four spaces.

const fs = require('node:fs');

const DTS = {
    client: require.resolve('@oasisprotocol/client/dist/types.d.ts'),
    'client-rt': require.resolve('@oasisprotocol/client-rt/dist/types.d.ts'),
};

const cache = new Map();

/**
 * Fields of `export interface <name>` in the package's dist/types.d.ts:
 * { fields: [{ name, optional, type }], names: Set }. Fields typed as a
 * `'warning: …'` string literal (client-rt's guards against passing a whole app config) are
 * not wire fields and are left out.
 */
function interfaceFields(pkg, name) {
    const key = `${pkg}:${name}`;
    if (cache.has(key)) return cache.get(key);
    const text = fs.readFileSync(DTS[pkg], 'utf8');
    const start = text.indexOf(`export interface ${name} {\n`);
    if (start < 0) throw new Error(`${pkg}: no interface ${name} in ${DTS[pkg]}`);
    const end = text.indexOf('\n}\n', start);
    const body = text.slice(start, end).split('\n').slice(1);
    const fields = [];
    for (const line of body) {
        const m = /^ {4}([A-Za-z_][A-Za-z0-9_]*)(\??): (.*)$/.exec(line);
        if (!m) continue;
        if (m[3].startsWith("'warning:")) continue;
        fields.push({ name: m[1], optional: m[2] === '?', type: m[3].replace(/;$/, '') });
    }
    if (fields.length === 0) throw new Error(`${pkg}: interface ${name} has no fields`);
    const result = { fields, names: new Set(fields.map((f) => f.name)) };
    cache.set(key, result);
    return result;
}

module.exports = { interfaceFields, DTS };
