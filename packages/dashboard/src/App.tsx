import { Route, Router, Switch } from 'wouter';
import { basePath } from './config.js';
import { CategoriesPage } from './categories/CategoriesPage.js';
import { HomePage } from './home/HomePage.js';
import { JobsPage } from './jobs/JobsPage.js';
import { Layout } from './Layout.js';
import { OrderListPage } from './orders/OrderListPage.js';
import { OrderPage } from './orders/OrderPage.js';
import { ImportPage } from './products/ImportPage.js';
import { ProductCreatePage } from './products/ProductCreatePage.js';
import { ProductListPage } from './products/ProductListPage.js';
import { ProductPage } from './products/ProductPage.js';
import { SessionProvider } from './session/SessionProvider.js';
import { SignInPage } from './session/SignInPage.js';
import { PageHeader } from './shared/ui/PageHeader.js';
import { ToastProvider } from './shared/ui/Toasts.js';
import { RolesPage } from './users/RolesPage.js';
import { UserListPage } from './users/UserListPage.js';
import { UserPage } from './users/UserPage.js';
import { WebhookListPage } from './webhooks/WebhookListPage.js';
import { WebhookPage } from './webhooks/WebhookPage.js';

/** The routes of the back office; the menu's entries are in navigation.ts. */
export function App() {
  return (
    <Router base={basePath}>
      {/* Inside the router: a notification's link resolves against the mount path like any other. */}
      <ToastProvider>
        <SessionProvider signedOut={(signIn) => <SignInPage signIn={signIn} />}>
          <Layout>
            <Switch>
              <Route path="/" component={HomePage} />
              <Route path="/orders" component={OrderListPage} />
              <Route path="/orders/:id" component={OrderPage} />
              <Route path="/products" component={ProductListPage} />
              <Route path="/products/new" component={ProductCreatePage} />
              <Route path="/products/import" component={ImportPage} />
              <Route path="/products/:id" component={ProductPage} />
              <Route path="/categories" component={CategoriesPage} />
              <Route path="/users" component={UserListPage} />
              <Route path="/users/:id" component={UserPage} />
              <Route path="/roles" component={RolesPage} />
              <Route path="/webhooks" component={WebhookListPage} />
              <Route path="/webhooks/:id" component={WebhookPage} />
              <Route path="/jobs" component={JobsPage} />
              <Route>
                <PageHeader title="Not found" />
                <p>There is no page here.</p>
              </Route>
            </Switch>
          </Layout>
        </SessionProvider>
      </ToastProvider>
    </Router>
  );
}
