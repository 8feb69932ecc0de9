import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Checkbox, CheckboxGroup, Input, Label, Switch, TextField } from 'react-aria-components';
import { api } from '../../api/client';
import { LOCALES, type MessageKey, type Translate, useT } from '../../i18n';
import { OptionSelect, PRIORITY_OPTIONS } from '../StatusSelect';
import { ErrorText, type SlaPolicy, unwrap } from './common';
import { FormDialog } from './FormDialog';

const PRIORITIES = [{ id: 'any', label: 'Any priority' }, ...PRIORITY_OPTIONS];
const DAYS: MessageKey[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
type Priority = SlaPolicy['priority'];

function priorityLabel(priority: Priority, t: Translate): string {
  const label = PRIORITIES.find((option) => option.id === (priority ?? 'any'))?.label;
  return label ? t.text(label) : String(priority);
}

function hoursLabel(policy: SlaPolicy, t: Translate): string {
  const hours = policy.business_hours;
  if (!hours) return t('Around the clock');
  // 1 January 2024 was a Monday: the API's day 1.
  const weekday = new Intl.DateTimeFormat(LOCALES[t.language], { weekday: 'short', timeZone: 'UTC' });
  const days = hours.days.map((day) => weekday.format(new Date(Date.UTC(2024, 0, day, 12)))).join(', ');
  return `${days} ${hours.start}–${hours.end} (${hours.timezone})`;
}

export function SlaPolicies() {
  const t = useT();
  const policies = useQuery({
    queryKey: ['admin', 'sla'],
    queryFn: async () => unwrap(await api.GET('/api/sla-policies'), t('Could not load the SLA policies')).data,
  });
  return (
    <>
      <div className="row">
        <PolicyForm />
      </div>
      <ErrorText error={policies.error} />
      <table className="admin-table">
        <caption className="sr-only">{t('SLA policies')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('Name')}</th>
            <th scope="col">{t('Priority')}</th>
            <th scope="col">{t('First response (min)')}</th>
            <th scope="col">{t('Resolution (min)')}</th>
            <th scope="col">{t('Business hours')}</th>
            <th scope="col">{t('Actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(policies.data ?? []).map((policy) => (
            <tr key={policy.id}>
              <th scope="row">{policy.name}</th>
              <td>{priorityLabel(policy.priority, t)}</td>
              <td>{policy.first_response_minutes}</td>
              <td>{policy.resolution_minutes}</td>
              <td>{hoursLabel(policy, t)}</td>
              <td className="actions">
                <PolicyForm policy={policy} />
                <DeletePolicy policy={policy} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function PolicyForm({ policy }: { policy?: SlaPolicy }) {
  const queryClient = useQueryClient();
  const t = useT();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(policy?.name ?? '');
  const [priority, setPriority] = useState<string>(policy?.priority ?? 'any');
  const [firstResponse, setFirstResponse] = useState(String(policy?.first_response_minutes ?? 60));
  const [resolution, setResolution] = useState(String(policy?.resolution_minutes ?? 480));
  const [business, setBusiness] = useState(Boolean(policy?.business_hours));
  const [timezone, setTimezone] = useState(
    policy?.business_hours?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
  );
  const [days, setDays] = useState<string[]>((policy?.business_hours?.days ?? [1, 2, 3, 4, 5]).map(String));
  const [start, setStart] = useState(policy?.business_hours?.start ?? '09:00');
  const [end, setEnd] = useState(policy?.business_hours?.end ?? '17:00');
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        name,
        priority: (priority === 'any' ? null : priority) as Priority,
        first_response_minutes: Number(firstResponse),
        resolution_minutes: Number(resolution),
        business_hours: business ? { timezone, days: days.map(Number).sort((a, b) => a - b), start, end } : null,
      };
      return policy
        ? unwrap(
            await api.PATCH('/api/sla-policies/{policy_id}', { params: { path: { policy_id: policy.id } }, body }),
            t('Not saved'),
          )
        : unwrap(await api.POST('/api/sla-policies', { body }), t('Not created'));
    },
    onSuccess: () => {
      setOpen(false);
      if (!policy) setName('');
      void queryClient.invalidateQueries({ queryKey: ['admin', 'sla'] });
    },
  });
  const label = policy ? t('Edit {name}', { name: policy.name }) : t('New SLA policy');
  return (
    <FormDialog
      title={label}
      isOpen={open}
      onOpenChange={setOpen}
      submit={t(policy ? 'Save' : 'Create')}
      mutation={save}
      openerClassName={policy ? '' : 'primary'}
      onOpen={() => {
        // An edit starts from the policy as it is now, not from what a cancelled edit left.
        if (policy) {
          setName(policy.name);
          setPriority(policy.priority ?? 'any');
          setFirstResponse(String(policy.first_response_minutes));
          setResolution(String(policy.resolution_minutes));
          setBusiness(Boolean(policy.business_hours));
          if (policy.business_hours) {
            setTimezone(policy.business_hours.timezone);
            setDays(policy.business_hours.days.map(String));
            setStart(policy.business_hours.start);
            setEnd(policy.business_hours.end);
          }
        }
      }}
    >
      <TextField value={name} onChange={setName} isRequired>
        <Label>{t('Name')}</Label>
        <Input />
      </TextField>
      <OptionSelect label={t('Priority')} options={PRIORITIES} value={priority} onChange={setPriority} />
      <TextField value={firstResponse} onChange={setFirstResponse} type="number" isRequired>
        <Label>{t('First response minutes')}</Label>
        <Input min={1} max={525600} />
      </TextField>
      <TextField value={resolution} onChange={setResolution} type="number" isRequired>
        <Label>{t('Resolution minutes')}</Label>
        <Input min={1} max={525600} />
      </TextField>
      <Switch isSelected={business} onChange={setBusiness} className="switch">
        <span className="indicator" aria-hidden="true" />
        {t('Business hours only')}
      </Switch>
      {business && (
        <fieldset className="stack">
          <legend>{t('Business hours')}</legend>
          <TextField value={timezone} onChange={setTimezone} isRequired>
            <Label>{t('Time zone')}</Label>
            <Input placeholder="Europe/Moscow" />
          </TextField>
          <CheckboxGroup value={days} onChange={setDays} className="checkboxes">
            <Label>{t('Working days')}</Label>
            {DAYS.map((day, index) => (
              <Checkbox key={day} value={String(index + 1)} className="checkbox">
                <span className="box" aria-hidden="true" />
                {t(day)}
              </Checkbox>
            ))}
          </CheckboxGroup>
          <div className="row">
            <TextField value={start} onChange={setStart} type="time" isRequired>
              <Label>{t('Start')}</Label>
              <Input />
            </TextField>
            <TextField value={end} onChange={setEnd} type="time" isRequired>
              <Label>{t('End')}</Label>
              <Input />
            </TextField>
          </div>
        </fieldset>
      )}
    </FormDialog>
  );
}

function DeletePolicy({ policy }: { policy: SlaPolicy }) {
  const queryClient = useQueryClient();
  const t = useT();
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/api/sla-policies/{policy_id}', { params: { path: { policy_id: policy.id } } }),
        t('Not deleted'),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin', 'sla'] }),
  });
  return (
    <>
      <Button onPress={() => remove.mutate()} isDisabled={remove.isPending}>
        {t('Delete {name}', { name: policy.name })}
      </Button>
      <ErrorText error={remove.error} />
    </>
  );
}
