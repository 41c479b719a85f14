// oidc_provider.mjs - a REAL OpenID provider for the browser test of the
// citizens' login (issue 12): the npm package oidc-provider (a certified
// OpenID Connect implementation), on the loopback, with one client for
// relayd (client_secret_basic, PKCE required, its redirect URI) and a
// test account whose ID token carries names, e-mail and the trust level
// claim "vertrauensniveau". Its development interactions give the login
// page (any user name, any password) and the consent page; the account
// id is the user name typed in.
//
//   node tests/oidc_provider.mjs SPEC.json
// SPEC: { "port", "client_id", "client_secret", "redirect_uri",
//         "claims": { given_name, family_name, email, vertrauensniveau } }
// Prints "listening <issuer>" once it accepts connections.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
// the package lives with the other npm packages in tests/browser
const require = createRequire(path.join(path.dirname(new URL(import.meta.url).pathname),
	'browser', 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const issuer = `http://127.0.0.1:${spec.port}`;
const provider = new Provider(issuer, {
	clients: [{
		client_id: spec.client_id,
		client_secret: spec.client_secret,
		redirect_uris: [spec.redirect_uri],
		grant_types: ['authorization_code'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	pkce: { required: () => true },
	claims: {
		openid: ['sub', 'vertrauensniveau'],
		profile: ['given_name', 'family_name', 'birthdate'],
		email: ['email'],
		address: ['address'],
	},
	// the claims go into the ID token itself: relayd reads no userinfo
	conformIdTokenClaims: false,
	cookies: { keys: ['nur-fuer-den-test-0123456789abcdef'] },
	features: { devInteractions: { enabled: true } },
	async findAccount(ctx, id) {
		return {
			accountId: id,
			async claims() { return { sub: id, ...spec.claims }; },
		};
	},
});
provider.listen(spec.port, '127.0.0.1', () => console.log(`listening ${issuer}`));
