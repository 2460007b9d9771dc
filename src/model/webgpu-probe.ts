// What onnxruntime-node's WebGPU execution provider would find on this machine, found without
// starting it: onnxruntime-node (1.30) bundles Dawn, which dlopens the Vulkan loader
// (libvulkan.so.1) and asks it for adapters, but it exposes no adapter list or adapter info to
// JavaScript. So this reads what the loader itself reads — the Vulkan driver manifests (ICD json
// files, honouring VK_ICD_FILENAMES / VK_DRIVER_FILES) — and matches each driver to the PCI
// display devices present, which tells hardware from software drivers (SwiftShader, lavapipe) and
// names the vendor. Cheap (a few small file reads) and cached per process; whether Dawn really gets
// an adapter is settled by the session that follows (node-session.ts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** One Vulkan driver that could give Dawn an adapter. */
export interface WebGpuAdapterInfo {
  /** Position in Dawn's high-performance order (hardware first): the adapter it would pick is 0. */
  index: number;
  vendor: 'nvidia' | 'amd' | 'intel' | 'google' | 'mesa' | 'unknown';
  /** The GPU model where the system says it (NVIDIA's driver does), else the PCI device id. */
  architecture: string;
  /** e.g. "SwiftShader (Google's software Vulkan)", "NVIDIA Vulkan driver". */
  description: string;
  /** A CPU implementation of Vulkan: correct but slow; `auto` never picks it. */
  software: boolean;
  /** The ICD manifest this driver was found through. */
  manifest: string;
}

/** What is missing when no adapter can be had: the loader, a driver (ICD), or a device for it. */
type WebGpuMissing = 'vulkan-loader' | 'driver' | 'adapter';

export interface WebGpuProbe {
  /** Where libvulkan.so.1 was found (undefined: Dawn cannot load Vulkan at all). */
  loader?: string;
  /** Usable adapters, hardware first. */
  adapters: WebGpuAdapterInfo[];
  /** Set when `adapters` is empty. */
  missing?: WebGpuMissing;
  /** One sentence: what was found, or what is missing and how to fix it. */
  summary: string;
}

/** Where the probe looks; tests point it at fixture folders. */
export interface ProbeEnv {
  env: NodeJS.ProcessEnv;
  /** Folders the dynamic linker searches for libvulkan.so.1 besides LD_LIBRARY_PATH. */
  libDirs: string[];
  /** The dynamic linker's cache (/etc/ld.so.cache), which names every library ldconfig knows. */
  ldCache: string;
  /** /sys/bus/pci/devices */
  pciDir: string;
  /** /proc/driver/nvidia/gpus */
  nvidiaProcDir: string;
}

const LOADER = 'libvulkan.so.1';
/** SwiftShader's driver manifest in Debian's chromium package: the tests' (software) adapter. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Debian's chromium ships its own loader (and SwiftShader) here. */
const CHROMIUM_VULKAN_DIR = '/usr/lib/chromium';

function systemProbeEnv(): ProbeEnv {
  return {
    env: process.env,
    libDirs: ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib'],
    ldCache: '/etc/ld.so.cache',
    pciDir: '/sys/bus/pci/devices',
    nvidiaProcDir: '/proc/driver/nvidia/gpus',
  };
}

interface DriverKind {
  vendor: WebGpuAdapterInfo['vendor'];
  description: string;
  software: boolean;
  /** PCI vendor id whose display device this driver needs (hardware drivers). */
  pciVendor?: string;
}

/** Classifies a driver by its library's file name (the names the vendors and Debian ship). */
function driverKind(library: string): DriverKind | undefined {
  const lib = basename(library).toLowerCase();
  if (lib.includes('swiftshader')) return { vendor: 'google', description: "SwiftShader (Google's software Vulkan)", software: true };
  if (lib.includes('lvp')) return { vendor: 'mesa', description: "lavapipe (Mesa's software Vulkan on llvmpipe)", software: true };
  if (lib.includes('mock_icd')) return undefined; // the Vulkan SDK's mock driver computes nothing
  if (lib.includes('nvidia')) return { vendor: 'nvidia', description: 'NVIDIA Vulkan driver', software: false, pciVendor: '0x10de' };
  if (lib.includes('radeon') || lib.includes('amdvlk')) return { vendor: 'amd', description: 'AMD Vulkan driver', software: false, pciVendor: '0x1002' };
  if (lib.includes('intel')) return { vendor: 'intel', description: 'Intel Vulkan driver (Mesa ANV)', software: false, pciVendor: '0x8086' };
  return { vendor: 'unknown', description: `Vulkan driver ${basename(library)}`, software: false };
}

/** The ICD manifests the Vulkan loader would read, in its order, and whether an override named them. */
function manifestPaths(p: ProbeEnv): { files: string[]; override?: string } {
  const override = p.env.VK_DRIVER_FILES ?? p.env.VK_ICD_FILENAMES;
  if (override) {
    const name = p.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : 'VK_ICD_FILENAMES';
    return { files: override.split(':').filter(Boolean).flatMap((f) => jsonFilesIn(f)), override: name };
  }
  const home = p.env.HOME ?? homedir();
  const existing = (d: string) => (existsSync(d) ? jsonFilesIn(d) : []);
  const dirs = [
    join(p.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'vulkan/icd.d'),
    ...(p.env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    join(p.env.XDG_DATA_HOME ?? join(home, '.local/share'), 'vulkan/icd.d'),
    ...(p.env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':').map((d) => join(d, 'vulkan/icd.d')),
  ];
  const extra = (p.env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean);
  return { files: [...extra, ...dirs.flatMap(existing)] };
}

/** A manifest path stays as given (a missing one is reported); a folder gives its *.json files. */
function jsonFilesIn(path: string): string[] {
  try {
    return readdirSync(path).filter((f) => f.endsWith('.json')).sort().map((f) => join(path, f));
  } catch {
    return [path]; // a file (or nothing at all: reported as missing when read)
  }
}

function readLibrary(manifest: string): string | undefined {
  try {
    const lib = (JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: unknown } }).ICD?.library_path;
    if (typeof lib !== 'string') return undefined;
    // A relative path with a slash is relative to the manifest; a bare name goes to the linker.
    return lib.includes('/') ? resolve(dirname(manifest), lib) : lib;
  } catch {
    return undefined;
  }
}

function findLoader(p: ProbeEnv): string | undefined {
  const dirs = [...(p.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...p.libDirs];
  for (const d of dirs) if (existsSync(join(d, LOADER))) return join(d, LOADER);
  try {
    // The linker's cache names every library ldconfig knows about, wherever it lives.
    if (readFileSync(p.ldCache).includes(LOADER)) return `${LOADER} (ld.so.cache)`;
  } catch {
    // no cache: the folders above were the whole search
  }
  return undefined;
}

/** PCI display controllers (class 0x03xxxx) present, as [vendor, device] ids. */
function displayDevices(p: ProbeEnv): Array<{ vendor: string; device: string }> {
  let entries: string[];
  try {
    entries = readdirSync(p.pciDir);
  } catch {
    return [];
  }
  const read = (d: string, f: string) => {
    try {
      return readFileSync(join(p.pciDir, d, f), 'utf8').trim().toLowerCase();
    } catch {
      return '';
    }
  };
  return entries.filter((d) => read(d, 'class').startsWith('0x03')).map((d) => ({ vendor: read(d, 'vendor'), device: read(d, 'device') }));
}

/** "NVIDIA H100 80GB HBM3" for each GPU the NVIDIA kernel driver lists. */
function nvidiaModels(p: ProbeEnv): string[] {
  try {
    return readdirSync(p.nvidiaProcDir).flatMap((g) => {
      const m = /^Model:\s*(.+)$/m.exec(readFileSync(join(p.nvidiaProcDir, g, 'information'), 'utf8'));
      return m ? [m[1].trim()] : [];
    });
  } catch {
    return [];
  }
}

export function probeWebGpu(p: ProbeEnv = systemProbeEnv()): WebGpuProbe {
  const loader = findLoader(p);
  if (!loader) {
    const chromium = existsSync(join(CHROMIUM_VULKAN_DIR, LOADER)) ? ` (or start Node with LD_LIBRARY_PATH=${CHROMIUM_VULKAN_DIR}, whose chromium copy is present)` : '';
    return {
      adapters: [],
      missing: 'vulkan-loader',
      summary: `the Vulkan loader (${LOADER}) is not installed: install it (Debian/Ubuntu: apt-get install libvulkan1)${chromium}`,
    };
  }
  const { files, override } = manifestPaths(p);
  const devices = displayDevices(p);
  const nvidia = nvidiaModels(p);
  const hardware: WebGpuAdapterInfo[] = [];
  const software: WebGpuAdapterInfo[] = [];
  const notes: string[] = [];
  for (const manifest of files) {
    if (!existsSync(manifest)) {
      notes.push(`${override ?? 'VK_ADD_DRIVER_FILES'} names ${manifest}, which does not exist`);
      continue;
    }
    const library = readLibrary(manifest);
    const kind = library ? driverKind(library) : undefined;
    if (!library || !kind) continue;
    if (library.includes('/') && !existsSync(library)) {
      notes.push(`${manifest} points at ${library}, which does not exist`);
      continue;
    }
    const base = { index: 0, vendor: kind.vendor, description: kind.description, software: kind.software, manifest };
    if (kind.software) {
      software.push({ ...base, architecture: 'cpu' });
      continue;
    }
    const present = kind.pciVendor ? devices.filter((d) => d.vendor === kind.pciVendor) : devices;
    const nvidiaVisible = kind.vendor === 'nvidia' && (nvidia.length > 0 || existsSync('/dev/nvidia0'));
    if (present.length === 0 && !nvidiaVisible) continue; // a driver installed for hardware this machine lacks
    const count = Math.max(present.length, kind.vendor === 'nvidia' ? nvidia.length : 0, 1);
    for (let i = 0; i < count; i++) {
      const architecture = (kind.vendor === 'nvidia' ? nvidia[i] : undefined) ?? (present[i] ? `PCI ${present[i].vendor}:${present[i].device}` : 'unknown');
      hardware.push({ ...base, architecture });
    }
  }
  const adapters = [...hardware, ...software].map((a, index) => ({ ...a, index }));
  if (adapters.length) {
    const a = adapters[0];
    return { loader, adapters, summary: `${adapters.length} adapter${adapters.length === 1 ? '' : 's'}; the first is ${describeAdapter(a)}` };
  }
  if (notes.length) return { loader, adapters, missing: 'driver', summary: `no Vulkan driver could be loaded: ${notes.join('; ')}` };
  if (files.length === 0) {
    return {
      loader,
      adapters,
      missing: 'driver',
      summary: 'no Vulkan driver (ICD) is installed: install your GPU vendor\'s Vulkan driver (NVIDIA: the proprietary driver with its Vulkan ICD; AMD/Intel: mesa-vulkan-drivers)',
    };
  }
  return {
    loader,
    adapters,
    missing: 'adapter',
    summary: `Vulkan drivers are installed (${files.map((f) => basename(f)).join(', ')}) but no GPU they drive is present`,
  };
}

export function describeAdapter(a: WebGpuAdapterInfo): string {
  return `${a.description}, vendor ${a.vendor}, ${a.architecture === 'cpu' ? 'runs on the CPU' : a.architecture}, ${a.software ? 'software' : 'hardware'}`;
}

let cached: { key: string; probe: WebGpuProbe } | undefined;

/** probeWebGpu() for this process, cached (the Vulkan environment variables are its key). */
export function webGpuProbe(): WebGpuProbe {
  const e = process.env;
  const key = [e.VK_ICD_FILENAMES, e.VK_DRIVER_FILES, e.VK_ADD_DRIVER_FILES, e.LD_LIBRARY_PATH].join('\0');
  if (cached?.key !== key) cached = { key, probe: probeWebGpu() };
  return cached.probe;
}
