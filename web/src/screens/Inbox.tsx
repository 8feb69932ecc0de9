import { useEffect, useState } from 'react';
import { Input, Label, SearchField } from 'react-aria-components';
import { StatusSelect } from './StatusSelect';
import { TicketList } from './TicketList';

export function Inbox() {
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  // Search as you type, once typing pauses: one request, not one per key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);

  return (
    <>
      <h1>Inbox</h1>
      <div className="filters">
        <StatusSelect label="Status filter" value={status} onChange={setStatus} allowAll />
        <SearchField value={text} onChange={setText} onSubmit={(value) => setQ(value.trim())}>
          <Label>Search</Label>
          <Input />
        </SearchField>
      </div>
      <TicketList filter={{ status, q }} label="Tickets" />
    </>
  );
}
