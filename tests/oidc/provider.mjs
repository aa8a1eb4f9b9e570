// The identity provider the tests sign in through: panva's oidc-provider (certified OpenID Connect), on
// loopback. Only its configuration is here: the clients (from OIDC_CLIENTS, JSON), people whose login
// name is their email, and consent already given, so a test signs in with one form as at the municipality.
// Usage: node provider.mjs PORT   (prints "listening <issuer>" when it answers)
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS);

const provider = new Provider(issuer, {
  clients,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'upn'] },
  conformIdTokenClaims: false, // the email in the ID token itself, as the municipality's provider sends it
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        // "anna@district.example" signs in as that address; "nomail" has no email claim at all
        const email = id.includes('@') ? id : undefined;
        return { sub: id, email, email_verified: Boolean(email), upn: email && email.toUpperCase(), name: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
process.on('SIGTERM', () => process.exit(0)); // nothing to keep: its state is in memory for one test run
