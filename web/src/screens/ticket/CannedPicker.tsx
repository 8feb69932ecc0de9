import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import {
  Autocomplete,
  Button,
  Dialog,
  DialogTrigger,
  Input,
  Menu,
  MenuItem,
  Popover,
  SearchField,
  useFilter,
} from 'react-aria-components';
import { ApiError, api, detailOf } from '../../api/client';
import { useT } from '../../i18n';
import type { CannedResponse } from './data';

function useCannedResponses(enabled: boolean) {
  const t = useT();
  return useQuery({
    queryKey: ['canned-responses'],
    enabled,
    staleTime: 60_000,
    queryFn: async ({ signal }) => {
      const { data, error, response } = await api.GET('/api/canned-responses', {
        params: { query: { limit: 200 } },
        signal,
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Could not load the canned responses')));
      return data.data;
    },
  });
}

/**
 * The composer's canned responses: a button, or `/` typed at the start of an empty reply, opens a searchable
 * menu; the chosen one is rendered for this ticket by the API (placeholders filled) and handed to `onInsert`.
 */
export function CannedPicker(props: {
  ticketId: number;
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  onInsert: (text: string) => void;
}) {
  const { contains } = useFilter({ sensitivity: 'base' });
  const [search, setSearch] = useState('');
  const t = useT();
  const canned = useCannedResponses(props.isOpen);
  const render = useMutation({
    mutationFn: async (item: CannedResponse) => {
      const { data, error, response } = await api.POST('/api/canned-responses/{canned_response_id}/render', {
        params: { path: { canned_response_id: item.id } },
        body: { ticket_id: props.ticketId },
      });
      if (!data) throw new ApiError(response.status, detailOf(error, t('Could not insert the canned response')));
      return data.data.text;
    },
    onSuccess: (text) => props.onInsert(text),
  });
  const choose = (item: CannedResponse) => {
    props.onOpenChange(false);
    render.mutate(item);
  };

  return (
    <>
      <DialogTrigger
        isOpen={props.isOpen}
        onOpenChange={(open) => {
          if (open) setSearch('');
          props.onOpenChange(open);
        }}
      >
        <Button className="quiet">{t('Canned responses')}</Button>
        <Popover placement="top start" className="react-aria-Popover canned-popover">
          <Dialog aria-label={t('Canned responses')} className="dialog">
            <Autocomplete inputValue={search} onInputChange={setSearch} filter={contains}>
              <SearchField
                aria-label={t('Search canned responses')}
                autoFocus
                // Enter with no item highlighted takes the first that matches.
                onSubmit={(value) => {
                  const first = canned.data?.find((row) => contains(row.title, value));
                  if (first) choose(first);
                }}
              >
                <Input placeholder={t('Search canned responses')} />
              </SearchField>
              <Menu<CannedResponse>
                aria-label={t('Canned responses')}
                items={canned.data ?? []}
                renderEmptyState={() => (canned.isPending ? t('Loading…') : t('No canned response matches'))}
                onAction={(key) => {
                  const item = canned.data?.find((row) => row.id === Number(key));
                  if (item) choose(item);
                }}
              >
                {(item) => (
                  <MenuItem id={item.id} textValue={item.title}>
                    {item.title}
                  </MenuItem>
                )}
              </Menu>
            </Autocomplete>
          </Dialog>
        </Popover>
      </DialogTrigger>
      {render.isError && <p role="alert">{render.error.message}</p>}
    </>
  );
}
