/**
 * The sample app for real: nginx -t on its config, and nginx + gunicorn +
 * Django on loopback answering through nginx as the load balancer would call them.
 */
import { spawnSync } from "child_process";
import { AppPair, describeWithApp, get, renderNginxConfig, startAppPair, which } from "../support/app-pair";
import { tempDir } from "../support/app";
import { join } from "path";
import { writeFileSync } from "fs";

describeWithApp("the sample app", () => {
  it("nginx -t accepts the nginx config as the image renders it", () => {
    const dir = tempDir("nginx-t-");
    writeFileSync(join(dir, "nginx.conf"), renderNginxConfig({ port: 8080, upstream: "127.0.0.1:8000", staticRoot: join(dir, "static") }, dir));
    const result = spawnSync(which("nginx")!, ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], { encoding: "utf8" });
    expect(result.stderr).toContain("syntax is ok");
    expect(result.status).toBe(0);
  });

  it("nginx -t catches a broken config (the check can fail)", () => {
    const dir = tempDir("nginx-t-");
    writeFileSync(join(dir, "nginx.conf"), "events {}\nhttp { server { listen 8080; location / { proxy_pass; } } }\n");
    expect(spawnSync(which("nginx")!, ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"]).status).not.toBe(0);
  });

  describe("running on loopback", () => {
    let pair: AppPair;
    beforeAll(async () => {
      pair = await startAppPair();
    }, 60000);
    afterAll(() => pair?.stop());

    it("answers the health check through nginx, whatever the Host (the load balancer sends the task's IP)", async () => {
      const response = await get(`${pair.url}/health/`, { Host: "10.0.3.17" });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ status: "ok" });
    });

    it("serves the app for an allowed host, seeing HTTPS from X-Forwarded-Proto", async () => {
      const response = await get(`${pair.url}/`, { Host: "smoke.example", "X-Forwarded-Proto": "https" });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ service: "web", secure: true, host: "smoke.example" });
    });

    it("refuses a host outside ALLOWED_HOSTS", async () => {
      const response = await get(`${pair.url}/`, { Host: "evil.example" });
      expect(response.status).toBe(400);
    });

    it("serves static files from nginx without reaching Django", async () => {
      const response = await get(`${pair.url}/static/robots.txt`);
      expect(response.status).toBe(200);
      expect(response.body).toContain("User-agent");
      expect(response.headers.server).toBe("nginx");
    });
  });
});
