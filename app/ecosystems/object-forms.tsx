'use client';

// The create, edit and delete controls of the hierarchy pages, one set for all four levels: the
// fields come from resource-form.ts, the actions from actions.ts. Pages render them only for users
// who may use them; the actions authorise again.

import { useActionState } from 'react';
import { initialActionState } from '@/components/action-state';
import { ConfirmDialog } from '@/components/confirm-dialog';
import { CheckboxField, Field, SelectField, TextAreaField } from '@/components/field';
import { FormMessage } from '@/components/form-message';
import { SubmitButton } from '@/components/submit-button';
import type { Level, ParentRef } from '@/lib/store/data-store';
import { createObjectAction, deleteObjectAction, updateObjectAction } from './actions';
import { LEVEL_WORDS } from './object-paths';
import { type FormValues, SPEC_FIELDS } from './resource-form';

function Hidden({ fields }: { fields: Record<string, string | undefined> }) {
  return (
    <>
      {Object.entries(fields).map(([name, value]) =>
        value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
    </>
  );
}

function CommonAndSpecFields({
  level,
  prefix,
  values,
  errors,
}: {
  level: Level;
  prefix: string;
  values: FormValues;
  errors: Record<string, string>;
}) {
  return (
    <>
      <Field
        id={`${prefix}-description`}
        label="Description"
        name="description"
        defaultValue={values.description}
        error={errors.description}
        autoComplete="off"
      />
      <TextAreaField
        id={`${prefix}-labels`}
        label="Labels"
        name="labels"
        rows={2}
        hint="One key=value per line, e.g. team=payments."
        defaultValue={values.labels}
        error={errors.labels}
      />
      {SPEC_FIELDS[level].map((field) =>
        field.options ? (
          <SelectField
            key={field.name}
            id={`${prefix}-${field.name}`}
            label={field.label}
            name={field.name}
            options={field.options.map((o) => ({ value: o, label: o === '' ? '(default)' : o }))}
            defaultValue={values[field.name] ?? ''}
            hint={field.hint}
            error={errors[field.name]}
          />
        ) : (
          <Field
            key={field.name}
            id={`${prefix}-${field.name}`}
            label={field.label}
            name={field.name}
            defaultValue={values[field.name]}
            hint={field.hint}
            error={errors[field.name]}
            autoComplete="off"
          />
        ),
      )}
    </>
  );
}

export function CreateObjectForm({ level, parent }: { level: Level; parent: ParentRef }) {
  const [state, action] = useActionState(createObjectAction, initialActionState);
  const errors = state.fieldErrors ?? {};
  const values = (state.ok === false && state.values) || {};
  const word = LEVEL_WORDS[level].one;
  return (
    <form
      action={action}
      className="form resource-form"
      noValidate
      aria-label={`Create ${word}`}
      data-testid={`create-${level}`}
    >
      <Hidden fields={{ level, ...parent }} />
      <FormMessage state={state} />
      <Field
        id={`create-${level}-name`}
        label="Name"
        name="name"
        required
        autoComplete="off"
        hint="Lowercase letters, digits and '-', at most 63; it cannot be changed later."
        defaultValue={values.name}
        error={errors.name}
      />
      <CommonAndSpecFields
        level={level}
        prefix={`create-${level}`}
        values={values}
        errors={errors}
      />
      <div className="form-actions">
        <SubmitButton>Create {word}</SubmitButton>
      </div>
    </form>
  );
}

export function EditObjectForm({
  level,
  parent,
  name,
  version,
  values: stored,
}: {
  level: Level;
  parent: ParentRef;
  name: string;
  version: number;
  values: FormValues;
}) {
  const [state, action] = useActionState(updateObjectAction, initialActionState);
  const errors = state.fieldErrors ?? {};
  const values = (state.ok === false && state.values) || stored;
  const word = LEVEL_WORDS[level].one;
  return (
    <form
      // A new version (saved here or elsewhere) re-renders the fields with the stored values.
      key={version}
      action={action}
      className="form resource-form"
      noValidate
      aria-label={`Edit ${word}`}
      data-testid={`edit-${level}`}
    >
      <Hidden fields={{ level, ...parent, name, version: String(version) }} />
      <FormMessage state={state} />
      <CommonAndSpecFields level={level} prefix={`edit-${level}`} values={values} errors={errors} />
      <div className="form-actions">
        <SubmitButton>Save changes</SubmitButton>
      </div>
    </form>
  );
}

export function DeleteObjectControl({
  level,
  parent,
  name,
  removes,
  workspaces,
}: {
  level: Level;
  parent: ParentRef;
  name: string;
  /** What goes with it, in words: "2 domains, 5 apps and 9 workspaces". Empty when nothing. */
  removes: string;
  /** How many workspaces (and so possible containers) go with it; for a workspace, 1 when it has a container. */
  workspaces: number;
}) {
  const [state, action] = useActionState(deleteObjectAction, initialActionState);
  const word = LEVEL_WORDS[level].one;
  return (
    <ConfirmDialog
      triggerLabel={`Delete ${word}`}
      title={`Delete ${word} ${name}?`}
      testId={`delete-${level}-dialog`}
      description={
        <>
          <p>
            This removes the {word} <strong>{name}</strong>
            {removes ? (
              <>
                {' '}
                and everything under it: <strong>{removes}</strong>
              </>
            ) : null}
            . It cannot be undone.
          </p>
          {workspaces > 0 && (
            <p>
              {level === 'workspace'
                ? 'Its container is stopped and removed from its host first; its image and source volume are kept unless you tick below.'
                : `Any containers of ${workspaces === 1 ? 'its workspace' : `its ${workspaces} workspaces`} are stopped and removed from their hosts first; their images and source volumes are kept unless you tick below.`}
            </p>
          )}
        </>
      }
      confirmLabel={`Delete ${word}`}
      action={action}
      state={state}
      hidden={{
        level,
        ...(parent as Record<string, string>),
        name,
        // Checked again by the action: it refuses when more lies below than was named here.
        ...(level !== 'workspace' && { removes }),
      }}
    >
      {workspaces > 0 && (
        <>
          <CheckboxField
            id={`delete-${level}-image`}
            label="Also remove the images"
            name="removeImage"
          />
          <CheckboxField
            id={`delete-${level}-volume`}
            label="Also remove the volumes git sources were cloned into"
            name="removeVolume"
          />
          <CheckboxField
            id={`delete-${level}-force`}
            label="Delete even when a host cannot be reached"
            name="force"
            hint="Its containers are then left behind on that host, and named after the delete."
          />
        </>
      )}
    </ConfirmDialog>
  );
}
