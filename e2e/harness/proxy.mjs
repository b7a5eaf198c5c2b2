// A loopback TCP proxy a journey can cut and restore, to take the database away from a running server
// (as tests/support/proxy.rs does): cut closes every proxied connection and drops new ones on accept.
import net from "node:net";

export async function startProxy(target) {
  let open = true;
  const pairs = new Set();
  const server = net.createServer((inbound) => {
    if (!open) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(target);
    const pair = [inbound, outbound];
    pairs.add(pair);
    const close = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on("error", close).on("close", close);
    outbound.on("error", close).on("close", close);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).once("error", reject));
  const { port } = server.address();
  return {
    host: "127.0.0.1",
    port,
    /** Closes every proxied connection and refuses new ones. */
    cut() {
      open = false;
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      pairs.clear();
    },
    /** Lets connections through again. */
    restore() {
      open = true;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
