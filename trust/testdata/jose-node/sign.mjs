// sign.mjs makes an expense statement with node's `jose` package (panva/jose),
// a JOSE library on another stack than Regie's Go code, to show that an
// organisation can sign statements without Regie's libraries.
//
// Run: npm ci && node sign.mjs
// Writes expense.jws (the signed statement) and trust.json (the organisation's
// public trust-list entry, may_sign including "expense"). The private key is
// thrown away: the fixture only needs to be verified.
import { writeFileSync } from 'node:fs';
import { generateKeyPair, exportJWK, CompactSign } from 'jose';

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = await exportJWK(publicKey);
jwk.kid = 'energie-noord-2026';
jwk.use = 'sig';
jwk.alg = 'ES256';

const payload = {
  iss: 'energie-noord', sub: '123456782', jti: 'en-2026-11-voorschot', iat: 1793500000,
  type: 'expense', as_of: '2026-11-01',
  expense: { reference: 'EN-VS-55120', payee: 'Energie Noord', kind: 'energy',
             amount_cents: 14200, period: 'month', since: '2025-01-01' },
};

const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
  .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'regie-statement+jwt' })
  .sign(privateKey);

const org = { id: 'energie-noord', name: 'Energie Noord', kind: 'creditor', keys: [jwk],
              may_sign: ['debt', 'expense'] };
writeFileSync('expense.jws', jws + '\n');
writeFileSync('trust.json', JSON.stringify(org, null, 2) + '\n');
