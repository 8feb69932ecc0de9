import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import {
  Button,
  Checkbox,
  Dialog,
  DialogTrigger,
  Heading,
  Input,
  Label,
  Modal,
  Text,
  TextField,
} from 'react-aria-components';
import { ApiError, api, detailOf } from '../../api/client';
import { useT } from '../../i18n';
import { navigate } from '../../router';
import { newIdempotencyKey } from '../idempotency';

/**
 * "Merge": this ticket into another one. The API's refusal (422) is shown as it says it; tickets of different
 * customers can then be merged with "Merge anyway".
 */
export function MergeDialog({ ticketId }: { ticketId: number }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const t = useT();
  const [target, setTarget] = useState('');
  const [force, setForce] = useState(false);
  const [offerForce, setOfferForce] = useState(false);
  const key = useRef<{ body: string; key: string } | null>(null);

  const merge = useMutation({
    mutationFn: async (input: { into: number; force: boolean }) => {
      const body = JSON.stringify(input);
      if (key.current?.body !== body) key.current = { body, key: newIdempotencyKey() };
      const { data, error, response } = await api.POST('/api/tickets/{ticket_id}/merge', {
        params: { path: { ticket_id: ticketId }, header: { 'idempotency-key': key.current.key } },
        body: { into_ticket_id: input.into, ...(input.force ? { force: true } : {}) },
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Not merged')));
      return input.into;
    },
    onError: (error) => {
      if (error instanceof ApiError && /different creators/i.test(error.message)) setOfferForce(true);
    },
    onSuccess: (into) => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ['ticket', ticketId] });
      void queryClient.invalidateQueries({ queryKey: ['events', ticketId] });
      void queryClient.invalidateQueries({ queryKey: ['ticket', into] });
      void queryClient.invalidateQueries({ queryKey: ['messages', into] });
      void queryClient.invalidateQueries({ queryKey: ['events', into] });
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      navigate(`/tickets/${into}`);
    },
  });

  const into = Number(target.trim().replace(/^#/, ''));
  const valid = Number.isInteger(into) && into > 0;

  return (
    <DialogTrigger
      isOpen={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) {
          setTarget('');
          setForce(false);
          setOfferForce(false);
          merge.reset();
        }
      }}
    >
      <Button>{t('Merge')}</Button>
      <Modal isDismissable className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t('Merge ticket #{id}', { id: ticketId })}</Heading>
          <form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              if (valid && !merge.isPending) merge.mutate({ into, force });
            }}
          >
            <TextField value={target} onChange={setTarget} isRequired autoFocus inputMode="numeric">
              <Label>{t('Target ticket')}</Label>
              <Input />
              <Text slot="description">
                {t('The id of the ticket this one joins; this one is closed and its conversation moves there.')}
              </Text>
            </TextField>
            {offerForce && (
              <Checkbox isSelected={force} onChange={setForce} className="checkbox">
                <span className="box" aria-hidden="true" />
                {t('Merge anyway (the tickets belong to different customers)')}
              </Checkbox>
            )}
            {merge.isError && <p role="alert">{merge.error.message}</p>}
            <div className="row">
              <Button slot="close" className="quiet">
                {t('Cancel')}
              </Button>
              <Button type="submit" className="primary" isDisabled={!valid || merge.isPending}>
                {t('Merge')}
              </Button>
            </div>
          </form>
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
