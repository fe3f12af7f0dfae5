import { DEFAULT_STATE, identityState } from "../../../src/reconcile/core/state";

describe("identityState", () => {
  it("fills in Kratos' default when the state is absent or null", () => {
    expect(DEFAULT_STATE).toBe("active");
    expect(identityState({})).toBe("active");
    expect(identityState({ state: undefined })).toBe("active");
    expect(identityState({ state: null })).toBe("active");
  });

  it("keeps a declared or live state as it is", () => {
    expect(identityState({ state: "inactive" })).toBe("inactive");
    expect(identityState({ state: "active" })).toBe("active");
    expect(identityState({ state: "suspended" })).toBe("suspended");
  });
});
