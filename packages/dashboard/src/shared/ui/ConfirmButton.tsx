import { useRef, useState, type ReactNode } from 'react';
import { problemMessage } from '../../api/problem.js';

/**
 * A destructive action that asks first: the button opens a modal dialog (keyboard: focus moves in,
 * Escape cancels) and runs `onConfirm` only when the person confirms. A failure shows in the dialog.
 */
export function ConfirmButton(props: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  className?: string;
  onConfirm: () => Promise<unknown>;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const close = () => {
    setError(undefined);
    dialog.current?.close();
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
      close();
    } catch (err) {
      setError(problemMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className={props.className ?? 'button button--danger'}
        onClick={() => dialog.current?.showModal()}
      >
        {props.label}
      </button>
      <dialog ref={dialog} className="dialog" aria-label={props.title} onClose={() => setError(undefined)}>
        <h2>{props.title}</h2>
        <div className="dialog__body">{props.children}</div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__actions">
          <button type="button" className="button" onClick={close} autoFocus>
            Cancel
          </button>
          <button type="button" className="button button--danger" onClick={confirm} disabled={busy}>
            {props.confirmLabel ?? props.label}
          </button>
        </div>
      </dialog>
    </>
  );
}
