import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throw-away PKI made with `openssl` at test time. */
export interface TestPki {
  dir: string;
  /** The CA that signed the server and client certificates. */
  caFile: string;
  /** Server certificate (CN localhost, SAN DNS:localhost, IP:127.0.0.1) and its key. */
  serverCertFile: string;
  serverKeyFile: string;
  /** Client certificate (CN meterflow-client, extendedKeyUsage clientAuth) and its key. */
  clientCertFile: string;
  clientKeyFile: string;
  /** An unrelated CA that signed nothing the broker presents. */
  wrongCaFile: string;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 60_000 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`openssl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(),
    );
  });
}

async function selfSignedCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=meterflow test ${name}`,
      '-keyout',
      key,
      '-out',
      cert,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { cert, key };
}

async function signedCert(
  dir: string,
  name: string,
  ca: { cert: string; key: string },
  subject: string,
  extensions: string,
): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', key, '-out', csr], dir);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

/**
 * A CA, a server certificate for localhost/127.0.0.1, a client certificate and a second,
 * unrelated CA, in a temp dir removed in teardown.
 */
export async function makeTestPki(t: { teardown(fn: () => unknown): void }): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-pki-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [ca, wrong] = await Promise.all([selfSignedCa(dir, 'ca'), selfSignedCa(dir, 'wrong-ca')]);
  const [server, client] = await Promise.all([
    signedCert(
      dir,
      'server',
      ca,
      '/CN=localhost',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
    ),
    signedCert(
      dir,
      'client',
      ca,
      '/CN=meterflow-client',
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
    ),
  ]);
  return {
    dir,
    caFile: ca.cert,
    serverCertFile: server.cert,
    serverKeyFile: server.key,
    clientCertFile: client.cert,
    clientKeyFile: client.key,
    wrongCaFile: wrong.cert,
  };
}
