import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { LanguageProvider } from './i18n';
import { applyTheme, watchSystemTheme } from './i18n/theme';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    // Live events keep lists current: no refetch storm on focus or on mount of a screen already loaded.
    queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 },
  },
});

// The theme is on <html> before the first render (no inline script: the CSP forbids it).
applyTheme();
watchSystemTheme();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <LanguageProvider>
          <App />
        </LanguageProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
