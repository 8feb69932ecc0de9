import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue } from 'react-aria-components';
import { useT } from '../i18n';

export interface Option {
  id: string;
  label: string;
}

export const STATUS_OPTIONS: Option[] = [
  { id: 'open', label: 'Open' },
  { id: 'in_progress', label: 'In progress' },
  { id: 'closed', label: 'Closed' },
];

export const PRIORITY_OPTIONS: Option[] = [
  { id: 'low', label: 'Low' },
  { id: 'normal', label: 'Normal' },
  { id: 'high', label: 'High' },
  { id: 'urgent', label: 'Urgent' },
];

/** A labelled React Aria select over a few fixed options. */
export function OptionSelect(props: {
  label: string;
  options: Option[];
  value: string;
  onChange: (value: string) => void;
  isDisabled?: boolean;
}) {
  const t = useT();
  return (
    <Select
      selectedKey={props.value}
      onSelectionChange={(key) => props.onChange(String(key))}
      isDisabled={props.isDisabled ?? false}
      className="select"
    >
      <Label>{props.label}</Label>
      <Button>
        <SelectValue />
        <span aria-hidden="true"> ▾</span>
      </Button>
      <Popover>
        <ListBox items={props.options}>
          {(option) => <ListBoxItem id={option.id}>{t.text(option.label)}</ListBoxItem>}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function StatusSelect(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  allowAll?: boolean;
}) {
  const options = props.allowAll ? [{ id: 'all', label: 'All' }, ...STATUS_OPTIONS] : STATUS_OPTIONS;
  return (
    <OptionSelect
      label={props.label}
      options={options}
      value={props.value === '' ? 'all' : props.value}
      onChange={(value) => props.onChange(value === 'all' ? '' : value)}
    />
  );
}
