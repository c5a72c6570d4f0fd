export declare const ROOT: string;
export declare function ensureVenv(name: string, requirementsFile: string, options?: { python?: string }): { bin: string; dir: string } | { unavailable: string };
