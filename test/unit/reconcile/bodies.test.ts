import { createBody } from "../../../src/reconcile/core/bodies";

describe("createBody", () => {
  it("sends address values trimmed as the server derives them (Kratos <= v26.2.0 lower-cases declared ones, never trims)", () => {
    const body = createBody(
      {
        traits: { email: "Ida@Example.com" },
        verifiable_addresses: [{ value: " IDA@example.com\u00a0", via: "email", verified: true }],
        recovery_addresses: [{ value: "\tida@example.com ", via: "email" }],
      },
      undefined,
      "default",
    );
    expect(body.verifiable_addresses).toEqual([
      { value: "IDA@example.com", via: "email", verified: true, status: "completed" },
    ]);
    expect(body.recovery_addresses).toEqual([{ value: "ida@example.com", via: "email" }]);
  });
});
