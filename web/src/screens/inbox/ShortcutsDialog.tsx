import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { SHORTCUTS } from '../../keyboard/shortcuts';

/** The `?` dialog: every shortcut and what it does (React Aria: focus kept inside, Escape closes). */
export default function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <ModalOverlay isOpen isDismissable onOpenChange={(open) => !open && onClose()}>
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">Keyboard shortcuts</Heading>
          <dl className="shortcuts">
            {SHORTCUTS.map((shortcut) => (
              <div key={shortcut.keys}>
                <dt>
                  <kbd>{shortcut.keys}</kbd>
                </dt>
                <dd>{shortcut.does}</dd>
              </div>
            ))}
          </dl>
          <p className="hint">None works while typing in a field or with Ctrl, Cmd or Alt held.</p>
          <Button slot="close" onPress={onClose}>
            Close
          </Button>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
