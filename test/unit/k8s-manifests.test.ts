import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/** The k8s/ manifests, checked offline against the Kubernetes API schemas (kubernetes-models). */

interface PodSpec {
  containers: { args: string[]; env: { name: string; value: string }[] }[];
  volumes: { persistentVolumeClaim: { claimName: string } }[];
}
interface Doc {
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: PodSpec };
  };
}
const docsOf = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
const JOB_FILE = 'k8s/session-bench-job.yaml';
const MERGE_FILE = 'k8s/session-bench-merge.yaml';

function validate(doc: Doc): void {
  if (doc.kind === 'Job') return new Job(doc as never).validate();
  if (doc.kind === 'PersistentVolumeClaim')
    return new PersistentVolumeClaim(doc as never).validate();
  throw new Error(`no schema checked for kind ${doc.kind}`);
}

const shardJob = () => docsOf(JOB_FILE).find((d) => d.kind === 'Job')!;
const container = (job: Doc) => job.spec.template.spec.containers[0]!;
const envOf = (job: Doc, name: string) => container(job).env.find((e) => e.name === name)?.value;

describe('k8s manifests', () => {
  it.each([JOB_FILE, MERGE_FILE])('%s passes the Kubernetes schemas', (file) => {
    const docs = docsOf(file);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs)
      expect(() => validate(doc), `${doc.kind} ${doc.metadata.name}`).not.toThrow();
  });

  it('the validation can fail: a misspelt completion mode is refused', () => {
    const job = shardJob();
    job.spec.completionMode = 'Indexd';
    expect(() => validate(job)).toThrow(/completionMode/);
  });

  it('is an Indexed Job of one shard per completion, on the shared volume', () => {
    const job = shardJob();
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(Number(envOf(job, 'SHARDS'))).toBe(job.spec.completions);
    const pvc = docsOf(JOB_FILE).find((d) => d.kind === 'PersistentVolumeClaim')!;
    const merge = docsOf(MERGE_FILE)[0]!;
    for (const j of [job, merge]) {
      expect(j.spec.template.spec.volumes[0]!.persistentVolumeClaim.claimName).toBe(
        pvc.metadata.name,
      );
    }
  });

  it('turns JOB_COMPLETION_INDEX into --shard i/N (the shell the pod runs)', () => {
    const job = shardJob();
    const script = container(job).args[0]!.replace(/^exec npx --yes \S+/, 'echo');
    for (const index of [0, 2]) {
      const line = execFileSync('sh', ['-c', script], {
        env: {
          PATH: process.env.PATH,
          JOB_COMPLETION_INDEX: String(index),
          SHARDS: '3',
          START_AT: 'T',
          REDIS_URL: 'u',
        },
        encoding: 'utf8',
      });
      expect(line).toContain(`--shard ${index + 1}/3 --start-at T`);
    }
  });
});
