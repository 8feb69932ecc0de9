import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { useT } from '../../i18n';
import { SHORTCUTS } from '../../keyboard/shortcuts';

/** The `?` dialog: every shortcut and what it does (React Aria: focus kept inside, Escape closes). */
export default function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const t = useT();
  return (
    <ModalOverlay isOpen isDismissable onOpenChange={(open) => !open && onClose()}>
      <Modal className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t('Keyboard shortcuts')}</Heading>
          <dl className="shortcuts">
            {SHORTCUTS.map((shortcut) => (
              <div key={shortcut.keys}>
                <dt>
                  <kbd>{shortcut.keys}</kbd>
                </dt>
                <dd>{t.text(shortcut.does)}</dd>
              </div>
            ))}
          </dl>
          <p className="hint">{t('None works while typing in a field or with Ctrl, Cmd or Alt held.')}</p>
          <Button slot="close" onPress={onClose}>
            {t('Close')}
          </Button>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
