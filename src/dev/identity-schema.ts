// The identity schema of the throwaway Kratos: email is the password identifier and is verified and recovered by
// email; a name object; an optional username.
export const IDENTITY_SCHEMA = {
  $id: "https://ory-reconcile.local/identity.schema.json",
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Person",
  type: "object",
  properties: {
    traits: {
      type: "object",
      properties: {
        email: {
          type: "string",
          format: "email",
          title: "E-Mail",
          minLength: 3,
          maxLength: 320,
          "ory.sh/kratos": {
            credentials: { password: { identifier: true }, code: { identifier: true, via: "email" } },
            verification: { via: "email" },
            recovery: { via: "email" },
          },
        },
        name: {
          type: "object",
          properties: {
            first: { type: "string", title: "First name", maxLength: 256 },
            last: { type: "string", title: "Last name", maxLength: 256 },
          },
          additionalProperties: false,
        },
        username: { type: "string", title: "Username", minLength: 1, maxLength: 64 },
        groups: { type: "array", items: { type: "string" } },
      },
      required: ["email"],
      additionalProperties: false,
    },
  },
};
