// The adapter probe on fixture folders laid out like /usr/lib, /usr/share/vulkan/icd.d, /sys and
// /proc: each missing layer (loader, driver, device) is named, hardware is told from software.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { probeWebGpu, type ProbeEnv } from './webgpu-probe';

const root = mkdtempSync(join(tmpdir(), 'webgpu-probe-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text = ''): string {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A machine: a loader or not, ICD manifests (name → library file name), PCI display devices, NVIDIA GPUs. */
function machine(name: string, o: { loader?: boolean; icds?: Record<string, string>; pci?: Array<[string, string]>; nvidia?: string[]; env?: NodeJS.ProcessEnv }): ProbeEnv {
  const base = join(root, name);
  const lib = join(base, 'lib');
  mkdirSync(lib, { recursive: true });
  if (o.loader !== false) write(`${name}/lib/libvulkan.so.1`);
  write(`${name}/ld.so.cache`, 'libc.so.6\0libm.so.6\0');
  for (const [file, library] of Object.entries(o.icds ?? {})) {
    write(`${name}/share/vulkan/icd.d/${file}`, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: library } }));
  }
  (o.pci ?? []).forEach(([vendor, device], i) => {
    write(`${name}/pci/0000:0${i}:00.0/class`, '0x030000\n');
    write(`${name}/pci/0000:0${i}:00.0/vendor`, `${vendor}\n`);
    write(`${name}/pci/0000:0${i}:00.0/device`, `${device}\n`);
  });
  write(`${name}/pci/0000:09:00.0/class`, '0x020000\n'); // a network card: not a display device
  (o.nvidia ?? []).forEach((model, i) => write(`${name}/nvidia/0000:0${i}:00.0/information`, `Model: \t\t ${model}\nIRQ: 1\n`));
  return {
    env: { HOME: join(base, 'home'), XDG_DATA_DIRS: join(base, 'share'), XDG_CONFIG_DIRS: join(base, 'etc'), ...o.env },
    libDirs: [lib],
    ldCache: join(base, 'ld.so.cache'),
    pciDir: join(base, 'pci'),
    nvidiaProcDir: join(base, 'nvidia'),
  };
}

describe('probeWebGpu', () => {
  test('no loader → missing vulkan-loader, with the Debian package to install', () => {
    const p = probeWebGpu(machine('noloader', { loader: false, icds: { 'nvidia_icd.json': 'libGLX_nvidia.so.0' } }));
    expect(p.loader).toBeUndefined();
    expect(p).toMatchObject({ adapters: [], missing: 'vulkan-loader' });
    expect(p.summary).toMatch(/libvulkan\.so\.1.*apt-get install libvulkan1/);
    const cached = machine('cached', { loader: false });
    writeFileSync(cached.ldCache, 'libc.so.6\0libvulkan.so.1\0');
    expect(probeWebGpu(cached).loader).toBe('libvulkan.so.1 (ld.so.cache)');
  });

  test('loader but no driver manifest → missing driver; a named manifest that is absent is quoted', () => {
    expect(probeWebGpu(machine('nodriver', {}))).toMatchObject({ adapters: [], missing: 'driver', summary: expect.stringMatching(/no Vulkan driver \(ICD\) is installed/) });
    const p = probeWebGpu(machine('badicd', { env: { VK_ICD_FILENAMES: join(root, 'nowhere/icd.json') } }));
    expect(p).toMatchObject({ adapters: [], missing: 'driver' });
    expect(p.summary).toContain(`VK_ICD_FILENAMES names ${join(root, 'nowhere/icd.json')}, which does not exist`);
  });

  test('a hardware driver without its GPU → missing adapter', () => {
    const p = probeWebGpu(machine('nogpu', { icds: { 'intel_icd.x86_64.json': 'libvulkan_intel.so' }, pci: [['0x1af4', '0x1050']] }));
    expect(p).toMatchObject({ adapters: [], missing: 'adapter' });
    expect(p.summary).toMatch(/intel_icd.x86_64.json.*no GPU they drive is present/);
  });

  test('hardware first (with the NVIDIA model name), software after it; each with its index', () => {
    const p = probeWebGpu(machine('h100', {
      icds: { 'lvp_icd.x86_64.json': 'libvulkan_lvp.so', 'nvidia_icd.json': 'libGLX_nvidia.so.0', 'radeon_icd.x86_64.json': 'libvulkan_radeon.so' },
      pci: [['0x10de', '0x2330'], ['0x10de', '0x2330']],
      nvidia: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'],
    }));
    expect(p.missing).toBeUndefined();
    expect(p.adapters.map((a) => [a.index, a.vendor, a.software, a.architecture])).toEqual([
      [0, 'nvidia', false, 'NVIDIA H100 80GB HBM3'],
      [1, 'nvidia', false, 'NVIDIA H100 80GB HBM3'],
      [2, 'mesa', true, 'cpu'],
    ]);
    expect(p.summary).toMatch(/^3 adapters; the first is NVIDIA Vulkan driver, vendor nvidia, NVIDIA H100 80GB HBM3, hardware$/);
  });

  test('an AMD GPU is named by its PCI id; a driver library that is gone is skipped and reported', () => {
    const amd = probeWebGpu(machine('amd', { icds: { 'radeon_icd.x86_64.json': 'libvulkan_radeon.so' }, pci: [['0x1002', '0x744c']] }));
    expect(amd.adapters).toMatchObject([{ vendor: 'amd', architecture: 'PCI 0x1002:0x744c', software: false }]);
    const gone = probeWebGpu(machine('gone', { icds: { 'sw.json': './libvk_swiftshader.so' } }));
    expect(gone.missing).toBe('driver');
    expect(gone.summary).toMatch(/sw\.json points at .*libvk_swiftshader\.so, which does not exist/);
  });
});
