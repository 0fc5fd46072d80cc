// Independent check of AuthShield's tokens with the `jose` library.
// stdin: {"jwks": {"keys": [...]}, "token": "...", "issuer": "...", "audience": "...", "typ"?: "at+jwt"}
// stdout: the verified payload as JSON; on any failure: exit 1 with "<jose error code>: <message>" on stderr.
import { createLocalJWKSet, jwtVerify } from 'jose';

async function readStdin() {
    const chunks = [];
    for await (const chunk of process.stdin) {
        chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
}

try {
    const input = JSON.parse(await readStdin());
    const keys = createLocalJWKSet(input.jwks);
    const options = { issuer: input.issuer, audience: input.audience, algorithms: ['EdDSA', 'ES256', 'RS256'] };
    if (input.typ) {
        options.typ = input.typ;
    }
    const { payload } = await jwtVerify(input.token, keys, options);
    process.stdout.write(JSON.stringify(payload) + '\n');
} catch (error) {
    process.stderr.write(`${error.code ?? 'ERR_UNKNOWN'}: ${error.message}\n`);
    process.exit(1);
}
