import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import {
  Button,
  Dialog,
  DialogTrigger,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  TextArea,
  TextField,
} from 'react-aria-components';
import { ApiError, api, detailOf } from '../api/client';
import { useT } from '../i18n';
import { navigate } from '../router';
import { newIdempotencyKey } from './idempotency';
import { OWN_TICKETS, TicketList } from './TicketList';

/** The customer's side: their tickets and a form for a new one. */
export default function Portal() {
  const t = useT();
  return (
    <>
      <div className="row">
        <h1>{t('My tickets')}</h1>
        <NewTicket />
      </div>
      <TicketList filter={OWN_TICKETS} label={t('My tickets')} />
    </>
  );
}

function NewTicket() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const t = useT();
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const key = useRef(newIdempotencyKey());
  const create = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.POST('/api/tickets', {
        params: { header: { 'idempotency-key': key.current } },
        body: { subject, description },
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Not created')));
      return data.data;
    },
    onSuccess: (ticket) => {
      key.current = newIdempotencyKey();
      setSubject('');
      setDescription('');
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ['tickets'] });
      navigate(`/tickets/${ticket.id}`);
    },
  });
  return (
    <DialogTrigger isOpen={open} onOpenChange={setOpen}>
      <Button className="primary">{t('New ticket')}</Button>
      <Modal isDismissable className="modal">
        <Dialog className="dialog">
          <Heading slot="title">{t('New ticket')}</Heading>
          <Form
            className="stack"
            onSubmit={(event) => {
              event.preventDefault();
              create.mutate();
            }}
          >
            <TextField value={subject} onChange={setSubject} isRequired>
              <Label>{t('Subject')}</Label>
              <Input />
            </TextField>
            <TextField value={description} onChange={setDescription} isRequired>
              <Label>{t('Description')}</Label>
              <TextArea rows={5} />
            </TextField>
            {create.isError && <p role="alert">{create.error.message}</p>}
            <div className="row">
              <Button slot="close">{t('Cancel')}</Button>
              <Button type="submit" className="primary" isDisabled={create.isPending}>
                {t('Create')}
              </Button>
            </div>
          </Form>
        </Dialog>
      </Modal>
    </DialogTrigger>
  );
}
