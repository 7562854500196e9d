import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

/** What a field's control gets: its id, and the links to its hint and error for screen readers. */
export interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with its hint and the API's error beside it (from the problem's
 * `errors[]`): `<Field label="Name" error={errors.name}>{(p) => <input {...p} />}</Field>`.
 */
export function Field(props: {
  label: string;
  error?: string;
  hint?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={props.error ? 'field field--invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': Boolean(props.error), 'aria-describedby': describedBy })}
      {props.hint && (
        <p className="field__hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p className="field__error" id={errorId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A labelled text input (`type`, `inputMode`, `placeholder`… pass through): the usual field. */
export function TextField({
  label,
  error,
  hint,
  value,
  onChange,
  ...input
}: {
  label: string;
  error?: string;
  hint?: string;
  value: string;
  onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id'>) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(control) => <input {...input} {...control} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}

/** A form's failure that names no field (a conflict, a permission): shown above the buttons. */
export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}
