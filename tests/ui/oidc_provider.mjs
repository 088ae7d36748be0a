// OpenID Connect provider for the staff login tests (oauth2-mock-server, from the npm registry):
// authorization code flow, discovery, JWKS, real RS256 signatures. Every token and the userinfo
// carry the staff member's name and roles given on the command line.
//   node tests/ui/oidc_provider.mjs PORT USERNAME ROLE[,ROLE]
import { OAuth2Server } from "oauth2-mock-server";

const [port, username, roles] = process.argv.slice(2);
const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
const claims = { preferred_username: username, name: username, email: `${username}@example.de`, roles: roles.split(",") };
server.service.on("beforeTokenSigning", (token) => Object.assign(token.payload, claims));
server.service.on("beforeUserinfo", (response) => Object.assign(response.body, claims));
await server.start(Number(port), "127.0.0.1");
console.log(`ready ${server.issuer.url}`);
