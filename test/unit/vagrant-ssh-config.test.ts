import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/provision/providers/vagrant.js';
import {
  parseVagrantSshConfig,
  VagrantSshConfigError,
} from '../../src/provision/providers/vagrant-ssh-config.js';

// Vagrant 2.3.4's templates/commands/ssh_config/config.erb rendered with ERB for two VirtualBox
// machines, the second under a home folder with a space and with two keys (its own and the
// insecure one): the blank lines inside a block are the template's.
const rendered = `Host lab-control-plane
  HostName 127.0.0.1
  User vagrant
  Port 2222
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no

  IdentityFile /home/ada/.kubelab/clusters/lab/vagrant/.vagrant/machines/lab-control-plane/virtualbox/private_key
  IdentitiesOnly yes
  LogLevel FATAL

Host lab-worker1
  HostName 127.0.0.1
  User vagrant
  Port 2200
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no

  IdentityFile "/home/ada lovelace/.kubelab/clusters/lab/vagrant/.vagrant/machines/lab-worker1/virtualbox/private_key"

  IdentityFile "/home/ada lovelace/.vagrant.d/insecure_private_key"
  IdentitiesOnly yes
  LogLevel FATAL

`;

function errorOf(text: string): VagrantSshConfigError {
  try {
    parseVagrantSshConfig(text);
  } catch (e) {
    if (e instanceof VagrantSshConfigError) return e;
    throw e;
  }
  throw new Error('expected a VagrantSshConfigError');
}

describe('parseVagrantSshConfig', () => {
  it("reads what Vagrant's template writes, quoted and repeated IdentityFiles included", () => {
    const hosts = parseVagrantSshConfig(rendered);
    expect(hosts.map(({ options, ...rest }) => rest)).toEqual([
      {
        name: 'lab-control-plane',
        line: 1,
        hostName: '127.0.0.1',
        port: 2222,
        user: 'vagrant',
        identityFiles: [
          '/home/ada/.kubelab/clusters/lab/vagrant/.vagrant/machines/lab-control-plane/virtualbox/private_key',
        ],
      },
      {
        name: 'lab-worker1',
        line: 13,
        hostName: '127.0.0.1',
        port: 2200,
        user: 'vagrant',
        identityFiles: [
          '/home/ada lovelace/.kubelab/clusters/lab/vagrant/.vagrant/machines/lab-worker1/virtualbox/private_key',
          '/home/ada lovelace/.vagrant.d/insecure_private_key',
        ],
      },
    ]);
    expect(hosts[0]!.options).toMatchObject({
      identitiesonly: 'yes',
      stricthostkeychecking: 'no',
      loglevel: 'FATAL',
    });
  });

  it('reads a libvirt machine (its management address, port 22) and ssh_config spellings', () => {
    const [host] = parseVagrantSshConfig(
      'Host lab-worker2\n  hostname=192.168.121.47\n  USER = vagrant\n  port 22\n  IdentityFile=/k/private_key\n',
    );
    expect(host).toMatchObject({
      hostName: '192.168.121.47',
      user: 'vagrant',
      port: 22,
      identityFiles: ['/k/private_key'],
    });
  });

  it('reads nothing from nothing', () => {
    expect(parseVagrantSshConfig('')).toEqual([]);
    expect(parseVagrantSshConfig('\n# a comment\n\n')).toEqual([]);
  });

  it('names the line of every problem', () => {
    const cases: [string, string][] = [
      ['HostName 10.0.0.1\nHost a\n', 'vagrant ssh-config:1: HostName before any Host line'],
      [
        'Host a\n  HostName 10.0.0.1\n  User vagrant\n  IdentityFile /k\n',
        'vagrant ssh-config:1: Host a has no Port line: cannot tell how to reach it over SSH',
      ],
      [
        'Host a\n  HostName 10.0.0.1\n  User vagrant\n  Port 22\n  IdentityFile /k\n\nHost b\n  Port 22\n',
        'vagrant ssh-config:7: Host b has no HostName line: cannot tell how to reach it over SSH',
      ],
      [
        'Host a\n  HostName 10.0.0.1\n  User vagrant\n  Port 22\n',
        'vagrant ssh-config:1: Host a has no IdentityFile line: there is no key to log in with',
      ],
      [
        'Host a\n  HostName h\n  User u\n  Port 70000\n  IdentityFile /k\n',
        'vagrant ssh-config:4: Port "70000" is not a port number (1-65535)',
      ],
      [
        'Host a\n  Port twenty-two\n',
        'vagrant ssh-config:2: Port "twenty-two" is not a port number (1-65535)',
      ],
      ['Host a\n  IdentityFile "/home/x y/key\n', 'vagrant ssh-config:2: unterminated " quote'],
      [
        'Host a\n  Port 22\n  Port 2222\n',
        'vagrant ssh-config:3: a second Port for Host a (the first is on line 2)',
      ],
      ['Host a b\n', 'vagrant ssh-config:1: expected one machine name after Host, got "a b"'],
      ['Host *\n', 'vagrant ssh-config:1: expected one machine name after Host, got "*"'],
      [
        'Host a\n  Match all\n',
        'vagrant ssh-config:2: Match blocks are not something vagrant ssh-config writes; expected Host blocks',
      ],
      [
        'Host a\n  ==> a: Booting VM...\n',
        'vagrant ssh-config:2: expected "Keyword value", got "==> a: Booting VM..."',
      ],
      ['Host a\n  User\n', 'vagrant ssh-config:2: expected "Keyword value", got "User"'],
    ];
    for (const [text, message] of cases) expect(errorOf(text).message, text).toBe(message);
    const twice = `${rendered}Host lab-worker1\n`;
    expect(errorOf(twice).message).toBe(
      'vagrant ssh-config:27: a second Host lab-worker1 (the first is on line 13)',
    );
    expect(errorOf(twice).line).toBe(27);
  });

  it('names the source it was given', () => {
    expect(() => parseVagrantSshConfig('User x\n', 'vagrant ssh-config lab-worker1')).toThrow(
      'vagrant ssh-config lab-worker1:1: User before any Host line',
    );
  });
});

describe('endpointOf', () => {
  const [, worker] = parseVagrantSshConfig(rendered);

  it('logs in with the first key that exists here', () => {
    const insecure = '/home/ada lovelace/.vagrant.d/insecure_private_key';
    expect(endpointOf(worker!, (p) => p === insecure)).toEqual({
      address: '127.0.0.1',
      port: 2200,
      user: 'vagrant',
      privateKeyPath: insecure,
    });
    expect(endpointOf(worker!, () => true).privateKeyPath).toContain(
      '/machines/lab-worker1/virtualbox/private_key',
    );
  });

  it('says what to do when no key file exists', () => {
    expect(() => endpointOf(worker!, () => false)).toThrow(
      /names no key file that exists for lab-worker1 .*kubelab down/,
    );
  });

  it('refuses a machine only reachable through a ProxyCommand (a remote libvirt host)', () => {
    const [proxied] = parseVagrantSshConfig(
      'Host w\n  HostName 192.168.121.5\n  User vagrant\n  Port 22\n  IdentityFile /k\n  ProxyCommand ssh -W %h:%p libvirt-host\n',
    );
    expect(() => endpointOf(proxied!, () => true)).toThrow(/ProxyCommand/);
  });
});
