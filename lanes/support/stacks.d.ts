export interface Stack {
  name: string;
  dir: string;
  json: any;
}
export declare function outDir(): string;
export declare function synthesizedStacks(dir?: string): Stack[];
export declare function awsStacks(dir?: string): Stack[];
