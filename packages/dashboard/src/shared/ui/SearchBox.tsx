import { useEffect, useState } from 'react';

const DEBOUNCE_MS = 250;

/**
 * A search field bound to a URL parameter: typing updates the URL after a short pause (replacing the
 * history entry, so Back skips the keystrokes); a URL change from elsewhere (Back) shows in the field.
 */
export function SearchBox(props: {
  label: string;
  value: string;
  placeholder?: string;
  onSearch: (value: string) => void;
}) {
  const { value, onSearch } = props;
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => onSearch(text.trim()), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, value, onSearch]);
  return (
    <label>
      {props.label}
      <input type="search" value={text} placeholder={props.placeholder} onChange={(e) => setText(e.target.value)} />
    </label>
  );
}
