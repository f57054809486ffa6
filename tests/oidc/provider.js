// A real OpenID Connect provider (panva's oidc-provider) on loopback, for tests/test_sso.py.
//
//   node provider.js PORT REDIRECT_URI [REDIRECT_URI ...]
//
// One confidential client from fixture.json may use the redirect URIs given. Its accounts are
// fixture.json's, by id: the dev login form takes the id as login and any password. Consent is
// taken as given, as for an app the organisation registered itself, so a login is one form.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const [port, ...redirectUris] = process.argv.slice(2);
if (!port || redirectUris.length === 0) {
  console.error('usage: node provider.js PORT REDIRECT_URI [REDIRECT_URI ...]');
  process.exit(2);
}
const fixture = JSON.parse(readFileSync(new URL('./fixture.json', import.meta.url), 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{ ...fixture.client, redirect_uris: redirectUris }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // The app reads the address from the ID token, as Entra ID and most providers put it there.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const account = fixture.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
