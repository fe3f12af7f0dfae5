// The harness is real: `pulumi up` and `destroy` of a trivial stack with a dynamic resource, under the built CLI.
import * as pulumi from "@pulumi/pulumi";
import { testStack, TestStack } from "../../support/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: `greeting-${inputs.name}`, outs: { message: `hello ${inputs.name}` } };
  },
};

class Greeting extends pulumi.dynamic.Resource {
  declare readonly message: pulumi.Output<string>;
  constructor(name: string, args: { name: string }) {
    super(provider, name, { ...args, message: undefined }, {});
  }
}

describe("Pulumi harness", () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await testStack("smoke", async () => {
      const greeting = new Greeting("g", { name: "world" });
      return { message: greeting.message };
    });
  });
  afterAll(() => t?.dispose());

  it("runs up and destroy with the real CLI and a local backend", async () => {
    const version = await t.stack.workspace.pulumiVersion;
    expect(version).toBe("3.248.0");
    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.message.value).toBe("hello world");
    expect(up.summary.resourceChanges).toEqual({ create: 2 });
    const again = await t.stack.preview();
    expect(again.changeSummary).toEqual({ same: 2 });
    const destroy = await t.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(destroy.summary.resourceChanges).toEqual({ delete: 2 });
  });
});
