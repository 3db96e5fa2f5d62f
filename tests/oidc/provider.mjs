// A real OpenID Connect provider on loopback for the sign-in tests (npm `oidc-provider`).
// Usage: node provider.mjs PORT REDIRECT_URI CLIENT_SECRET
// Its development login form takes any password; the user name picks the account below.
import Provider from "oidc-provider";

const [port, redirectUri, clientSecret] = process.argv.slice(2);
const ACCOUNTS = {
  "anna.jansen@portaal.example": { name: "Anna Jansen", groups: ["portaal-medewerkers"] },
  "piet.peters@portaal.example": { name: "Piet Peters", groups: ["kantine"] },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "agreements",
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  scopes: ["openid", "email", "profile", "groups"],
  conformIdTokenClaims: false, // the claims in the ID token itself, as many IdPs do
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["loopback-test-only"] },
  async findAccount(ctx, id) {
    const known = ACCOUNTS[id] || { name: id, groups: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: known.name, groups: known.groups };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => console.log(`ready ${port}`));
