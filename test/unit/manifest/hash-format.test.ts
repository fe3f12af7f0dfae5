// hashed_password formats: exactly the prefixes Kratos imports (hash.IsValidHashFormat, the same in v1.3.1, v26.2.0
// and master); the check is never stricter than the server.
import { isImportableHash } from "../../../src/manifest/identity";

describe("isImportableHash", () => {
  it.each([
    "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "$2b$04$x",
    "$2$10$x",
    "$argon2id$v=19$m=16,t=2,p=1$c2FsdA$aGFzaA",
    "$argon2i$v=19$m=16,t=2,p=1$c2FsdA$aGFzaA",
    "$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA",
    "$pbkdf2-sha512$i=1000,l=64$c2FsdA$aGFzaA",
    "$scrypt$ln=16384,r=8,p=1$c2FsdA$aGFzaA",
    "$firescrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA$a2V5$c2Vw",
    "$md5-crypt$salt$hash",
    "$sha256-crypt$rounds=5000$salt$hash",
    "$sha512-crypt$rounds=5000$salt$hash",
    "{SSHA}aGFzaA==",
    "{SSHA256}aGFzaA==",
    "{SSHA512}aGFzaA==",
    "$sha1$pf=e1NBTFR9e1BBU1NXT1JEfQ==$c2FsdA$aGFzaA",
    "$sha256$c2FsdA$aGFzaA",
    "$md5$pf=e1BBU1NXT1JEfQ==$$aGFzaA",
    "$hmac-sha256$aGFzaA$a2V5",
  ])("accepts %s", (hash) => expect(isImportableHash(hash)).toBe(true));

  it.each([
    "not-a-hash",
    "",
    "2a$12$abc",
    "$2c$12$abc",
    "$argon2d$v=19$x",
    "$pbkdf2$i=1$x",
    "$sha384$x",
    "{SHA}aGFzaA==",
    "$hmac-sha3$x",
    " $2a$12$abc",
  ])("refuses %p", (hash) => expect(isImportableHash(hash)).toBe(false));
});
