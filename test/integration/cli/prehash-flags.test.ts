// `apply --prehash-passwords --bcrypt-cost N`: a cost bcrypt cannot use is refused before anything is sent.
import { manifestDir, runCli, setYaml } from "../../support/cli";
import { startProxy } from "../../support/proxy";

it("refuses a bcrypt cost outside 4..31 without sending a request", async () => {
  const proxy = await startProxy({ target: "http://127.0.0.1:9" });
  try {
    const dir = manifestDir({
      "a.yaml": setYaml("a", "key: traits.email\nidentities:\n  - traits: { email: a@example.com }"),
    });
    const result = await runCli(["apply", dir, "--prehash-passwords", "--bcrypt-cost", "3"], {
      ORY_ADMIN_URL: proxy.url,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--bcrypt-cost must be a whole number from 4 to 31, got "3"');
    expect(proxy.requests).toEqual([]);
  } finally {
    await proxy.stop();
  }
});
