// What a server or an error repeats of the loaded manifests (a request body echoed in a 400) never leaves the CLI:
// passwords and hashes whatever their length, other sensitive values and keys from four characters, shorter ones where quoted.
import { hideSensitive, redactText } from "../../../src/cli/errors";
import { parseManifests } from "../../../src/manifest";
import { setsOf, setYaml } from "../manifest/helpers";

describe("redactText after hideSensitive", () => {
  const text = setYaml(
    "users",
    "  key: traits.email",
    "  identities:",
    "    - traits: { email: a@example.com, name: '${env:SHORT}' }",
    "      credentials: { password: { password: '${env:PW}' } }",
    "    - traits: { email: b@example.com }",
    "      credentials: { password: { hashed_password: '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy' } }",
    "    - traits: { email: c@example.com }",
    "      credentials: { password: { password: 'x9' } }",
  );
  hideSensitive(setsOf(parseManifests([{ file: "users.yaml", text }], { env: { PW: "Hunter2Password", SHORT: "ab" }, readFile: () => undefined })));

  it("hides every password and hash of the loaded sets, also one the server echoes", () => {
    const out = redactText("400 Bad Request: {'password':'Hunter2Password'} {'hashed_password':'$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'} {'password':'x9'}");
    expect(out).toBe("400 Bad Request: {'password':'(sensitive)'} {'hashed_password':'(sensitive)'} {'password':'(sensitive)'}");
  });

  it("hides a short sensitive value where it is quoted, and leaves the words around it whole", () => {
    expect(redactText('name "ab" is not allowed: abort')).toBe('name "(sensitive)" is not allowed: abort');
  });
});
