// How a node machine gets root's authorized SSH key (vm-images/node/README.md, "Key
// injection"). No key is baked into the node image: the provider hands one over when it
// creates the machine, in the form these functions make.
import { type TarEntry, tarArchive } from './rootfs-tar.js';

/** The kernel parameter kubelab-authorized-key.service reads in a qemu VM. */
export const authorizedKeyKernelParameter = 'kubelab.ssh_authorized_key';

/** x86 kernels keep 2048 bytes of command line; leave room for root=, console= and the rest. */
const maxKernelArgumentLength = 1536;

/** One authorized_keys line: `<type> <base64 key> [comment]`, no options, no line breaks. */
function authorizedKeyLine(publicKey: string): string {
  const line = publicKey.trim();
  if (line.includes('\n') || !/^(ssh|ecdsa|sk)-[a-z0-9@.-]+ [A-Za-z0-9+/]+=* ?[^\n]*$/.test(line))
    throw new Error(`not an OpenSSH public key line ("<type> <base64> [comment]"): ${line.slice(0, 40)}...`);
  return line;
}

/**
 * For a qemu VM: the kernel command-line argument carrying the key, base64-encoded because
 * the kernel splits its command line on spaces.
 */
export function authorizedKeyKernelArgument(publicKey: string): string {
  const argument = `${authorizedKeyKernelParameter}=${Buffer.from(authorizedKeyLine(publicKey)).toString('base64')}`;
  if (argument.length > maxKernelArgumentLength)
    throw new Error(
      `the key is too long for the kernel command line (${argument.length} > ${maxKernelArgumentLength} bytes): use an ed25519 key`,
    );
  return argument;
}

/**
 * For a container-node: a tar archive of /root/.ssh/authorized_keys (root-owned, 0600 in a
 * 0700 folder, as sshd's StrictModes wants), to extract at / with `docker cp` (the Engine's
 * PUT /containers/{id}/archive) before the container starts.
 */
export function authorizedKeyArchive(publicKey: string): Buffer {
  const entries: TarEntry[] = [
    { type: 'directory', path: 'root/.ssh', mode: 0o700 },
    {
      type: 'file',
      path: 'root/.ssh/authorized_keys',
      mode: 0o600,
      content: Buffer.from(`${authorizedKeyLine(publicKey)}\n`),
    },
  ];
  return tarArchive(entries);
}
