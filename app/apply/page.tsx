// GET /apply — the YAML view and apply. With `?ref=eco/dom/app/ws` (one to four names) it shows
// that object's manifest as apply takes it; without, an empty editor for pasting manifests. Anyone
// who may read the object sees its YAML; preview and apply are offered to those who may change it
// (and applyManifests checks every object again when they use them).

import { Notice } from '@/components/notice';
import { canApplyManifests } from '@/lib/domain/can-apply-manifests';
import { getObjectYaml } from '@/lib/domain/get-object-yaml';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { ApplyEditor } from './apply-editor';
import { parseObjectRef } from './object-ref';

export const dynamic = 'force-dynamic';

interface ApplyProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const EXAMPLE = `# Paste manifests here, for example:
# apiVersion: devopsmaestro.io/v1
# kind: Workspace
# metadata:
#   name: dev
#   ecosystem: platform
#   domain: backend
#   app: api
# spec: {}
`;

export default async function ApplyPage({ searchParams }: ApplyProps) {
  const params = await searchParams;
  const ref = typeof params.ref === 'string' ? params.ref : '';
  const principal = await requirePrincipal(
    ref ? `/apply?ref=${encodeURIComponent(ref)}` : '/apply',
  );
  const ctx = await contextFor(principal);

  if (!ref) {
    return (
      <>
        <div className="page-header">
          <h1>Apply manifests</h1>
          <span className="muted">
            Or open an object&apos;s YAML from its page (&quot;View YAML&quot;).
          </span>
        </div>
        <ApplyEditor
          initialYaml={EXAMPLE}
          canApply={await canApplyManifests(ctx)}
          label="Manifests"
        />
      </>
    );
  }

  const object = parseObjectRef(ref);
  if (!object) {
    return (
      <>
        <h1>YAML</h1>
        <Notice title="This link does not name an object." alert>
          <p>
            It should be <code>?ref=ecosystem</code>, <code>?ref=ecosystem/domain</code>,{' '}
            <code>?ref=ecosystem/domain/app</code> or{' '}
            <code>?ref=ecosystem/domain/app/workspace</code>.
          </p>
        </Notice>
      </>
    );
  }
  let view;
  try {
    view = await getObjectYaml(ctx, object);
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND') || hasErrorCode(error, 'INVALID')) {
      return (
        <>
          <h1>YAML of {object.label}</h1>
          <Notice title="Nothing to show." alert>
            <p>{error.message}</p>
            <p>
              <a href="/ecosystems">Back to the ecosystems</a>
            </p>
          </Notice>
        </>
      );
    }
    throw error;
  }
  return (
    <>
      <div className="page-header">
        <h1>YAML of {object.label}</h1>
      </div>
      <ApplyEditor
        initialYaml={view.yaml}
        canApply={view.writable}
        label={`Manifest of ${object.label}`}
      />
    </>
  );
}
