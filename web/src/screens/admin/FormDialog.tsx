import { Button, Dialog, Form, Heading, Modal } from 'react-aria-components';
import { useT } from '../../i18n';
import { ErrorText } from './common';

interface DialogProps {
  /** A message key or an already translated text. */
  title: string;
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  children: React.ReactNode;
}

/** A modal dialog with a title, controlled by its parent. */
export function ModalDialog(props: DialogProps) {
  const t = useT();
  return (
    <Modal isDismissable isOpen={props.isOpen} onOpenChange={props.onOpenChange} className="modal admin-modal">
      <Dialog className="dialog">
        <Heading slot="title">{t.text(props.title)}</Heading>
        {props.children}
      </Dialog>
    </Modal>
  );
}

/** What a form dialog needs of the mutation it runs (a TanStack Query mutation without variables). */
export interface FormMutation {
  mutate: () => void;
  reset: () => void;
  isPending: boolean;
  error: Error | null;
}

interface FormDialogProps extends DialogProps {
  /** The submit button's text: a message key or an already translated text. */
  submit: string;
  mutation: FormMutation;
  /** The opening button's class, as given (none gives react-aria's default class). Its text is the title. */
  openerClassName?: string;
  /** Fills the form before it opens: an edit starts from the row as it is now, not from a cancelled edit. */
  onOpen?: () => void;
}

/**
 * A button and the modal dialog it opens around one form: the fields, the API's error under them, then Cancel
 * and the submit button, which is off while the mutation runs. Each opening starts without the last error.
 * Closing on success stays with the parent, which owns `isOpen`.
 */
export function FormDialog(props: FormDialogProps) {
  const { mutation } = props;
  return (
    <>
      <Button
        className={props.openerClassName}
        onPress={() => {
          props.onOpen?.();
          mutation.reset();
          props.onOpenChange(true);
        }}
      >
        {props.title}
      </Button>
      <ModalDialog title={props.title} isOpen={props.isOpen} onOpenChange={props.onOpenChange}>
        <Form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            mutation.mutate();
          }}
        >
          {props.children}
          <ErrorText error={mutation.error} />
          <DialogButtons submit={props.submit} pending={mutation.isPending} />
        </Form>
      </ModalDialog>
    </>
  );
}

function DialogButtons(props: { submit: string; pending: boolean }) {
  const t = useT();
  return (
    <div className="row">
      <Button slot="close">{t('Cancel')}</Button>
      <Button type="submit" className="primary" isDisabled={props.pending}>
        {t.text(props.submit)}
      </Button>
    </div>
  );
}
