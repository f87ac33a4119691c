// GET /ecosystems/{eco}/members — who holds which role in an ecosystem. Anyone who can read the
// ecosystem sees the list; owners and administrators also get the controls to add, change and
// remove members (the actions authorise again).

import { notFound } from 'next/navigation';
import { Breadcrumbs } from '@/components/breadcrumbs';
import { Notice } from '@/components/notice';
import { Time } from '@/components/time';
import { isDnsLabel } from '@/lib/contracts/names';
import { can } from '@/lib/domain/authorize';
import { listMemberships } from '@/lib/domain/list-memberships';
import { hasErrorCode } from '@/lib/errors';
import { contextFor, requirePrincipal } from '@/lib/server/session';
import { AddMemberForm } from './add-member-form';
import { MemberControls } from './member-controls';

export const dynamic = 'force-dynamic';

interface MembersProps {
  params: Promise<{ eco: string }>;
}

export default async function MembersPage({ params }: MembersProps) {
  const { eco: ecosystem } = await params;
  // Ecosystem names are DNS labels: anything else names no ecosystem (and needs no escaping).
  if (!isDnsLabel(ecosystem)) notFound();
  const principal = await requirePrincipal(`/ecosystems/${ecosystem}/members`);
  const ctx = await contextFor(principal);

  let members;
  try {
    members = await listMemberships(ctx, { ecosystem });
  } catch (error) {
    if (hasErrorCode(error, 'NOT_FOUND')) notFound();
    if (hasErrorCode(error, 'FORBIDDEN')) {
      return (
        <>
          <h1>Members of {ecosystem}</h1>
          <Notice title="You cannot see the members of this ecosystem." alert>
            <p>{error.message}</p>
          </Notice>
        </>
      );
    }
    throw error;
  }
  const manage = await can(ctx, 'members.manage', ecosystem);

  return (
    <>
      <Breadcrumbs
        trail={[
          { label: 'Ecosystems', href: '/ecosystems' },
          { label: ecosystem, href: `/ecosystems/${ecosystem}` },
          { label: 'Members' },
        ]}
      />
      <div className="page-header">
        <h1>Members of {ecosystem}</h1>
        <a href="/">All ecosystems</a>
      </div>
      {manage ? (
        <section className="panel" aria-labelledby="add-member-title">
          <h2 id="add-member-title">Add a member</h2>
          <AddMemberForm ecosystem={ecosystem} />
        </section>
      ) : (
        <p className="notice">
          You can see who works in this ecosystem; only its owners and administrators can change the
          members.
        </p>
      )}
      {members.length === 0 ? (
        <Notice title="No members yet.">
          <p>Administrators can see and manage every ecosystem without being members.</p>
        </Notice>
      ) : (
        <div className="table-wrap">
          <table aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
                {manage && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <tr key={member.userId}>
                  <td>{member.email}</td>
                  <td>{member.role}</td>
                  <td>
                    <Time value={member.createdAt} />
                  </td>
                  {manage && (
                    <td className="actions">
                      <MemberControls
                        ecosystem={ecosystem}
                        userId={member.userId}
                        email={member.email}
                        role={member.role}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
